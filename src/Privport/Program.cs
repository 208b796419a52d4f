using Privport;
using System.CommandLine;
using Privport.Commands;
using Privport.Policy;

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
try
{
    return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (NameServiceUnavailableException e)
{
    // An outage, not a mistake in what was typed: say so, and exit with the code that means "try again later".
    await Console.Error.WriteLineAsync($"privport: {e.Message}; try again shortly");
    return ExitCodes.TempFail;
}
#pragma warning disable CA1031 // The last resort for any verb: one line naming the failure instead of a crash dump.
catch (Exception e)
#pragma warning restore CA1031
{
    await Console.Error.WriteLineAsync($"privport: unexpected error: {e}");
    return ExitCodes.Software;
}
