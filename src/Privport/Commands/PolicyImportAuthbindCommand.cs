using Privport.Policy;

namespace Privport.Commands;

/// <summary><c>privport policy import-authbind [DIR]</c>: prints a privport policy equivalent to an authbind configuration.</summary>
internal sealed class PolicyImportAuthbindCommand
{
    public const string DefaultDirectory = "/etc/authbind";

    private readonly Func<AuthbindImporter> _newImporter;

    /// <summary>Reads the owners and modes of authbind's files from the file system.</summary>
    public PolicyImportAuthbindCommand()
        : this(() => new AuthbindImporter())
    {
    }

    /// <param name="newImporter">An importer for each run (one holds the text of one import).</param>
    public PolicyImportAuthbindCommand(Func<AuthbindImporter> newImporter)
    {
        _newImporter = newImporter;
    }

    public int Run(string? directory, TextWriter stdout, TextWriter stderr)
    {
        directory ??= DefaultDirectory;
        if (!Directory.Exists(directory))
        {
            stderr.WriteLine($"privport policy import-authbind: {directory} does not exist; give the directory holding byport/, byaddr/ and byuid/");
            return ExitCodes.Usage;
        }

        var (toml, skipped) = _newImporter().Import(directory);
        stdout.Write(toml);
        foreach (string reason in skipped)
        {
            stderr.WriteLine($"privport policy import-authbind: skipped {reason}");
        }

        return ExitCodes.Ok;
    }
}
