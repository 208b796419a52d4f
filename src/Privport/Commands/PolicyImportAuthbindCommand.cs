using Privport.Interop;
using Privport.Policy;

namespace Privport.Commands;

/// <summary><c>privport policy import-authbind [DIR]</c>: prints a privport policy equivalent to an authbind configuration.</summary>
internal sealed class PolicyImportAuthbindCommand
{
    public const string DefaultDirectory = "/etc/authbind";

    private readonly Func<string, FileOwnership> _ownership;

    public PolicyImportAuthbindCommand(Func<string, FileOwnership> ownership)
    {
        _ownership = ownership;
    }

    public int Run(string? directory, TextWriter stdout, TextWriter stderr)
    {
        directory ??= DefaultDirectory;
        if (!Directory.Exists(directory))
        {
            stderr.WriteLine($"privport policy import-authbind: {directory} does not exist; give the directory holding byport/, byaddr/ and byuid/");
            return ExitCodes.Usage;
        }

        var (toml, skipped) = new AuthbindImporter(_ownership).Import(directory);
        stdout.Write(toml);
        foreach (string reason in skipped)
        {
            stderr.WriteLine($"privport policy import-authbind: skipped {reason}");
        }

        return ExitCodes.Ok;
    }
}
