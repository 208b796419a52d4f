using Privport;
using Privport.Commands;

StandardStreams.UsePlainTerminalWriters();
var parsed = CommandLine.Build(args.Length > 0 ? args[0] : null).Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors)
    {
        await Console.Error.WriteLineAsync($"privport: {error.Message}");
    }

    await Console.Error.WriteLineAsync("Run 'privport --help' (or 'privport VERB --help') for usage.");
    return ExitCodes.Usage;
}

StandardStreams.FixHelpWidth(parsed.RootCommandResult.Command);
return await parsed.InvokeAsync();
