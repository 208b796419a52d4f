using System.Diagnostics;

namespace Privport.Redirect;

/// <summary>Runs nft(8). It acts on the network namespace privport runs in, which is what lets tests use their own.</summary>
internal sealed class Nft
{
    private static readonly string[] Locations = ["/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft", "/bin/nft"];
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private Nft(string path)
    {
        Path = path;
    }

    public string Path { get; }

    public static Nft? Find() => Locations.FirstOrDefault(File.Exists) is { } path ? new Nft(path) : null;

    /// <summary>Runs <c>nft ARGUMENTS</c>, or <c>nft -f -</c> with <paramref name="script"/> on stdin (applied atomically).</summary>
    public NftResult Run(string? script, params string[] arguments)
    {
        var info = new ProcessStartInfo(Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = script is not null,
        };

        // nft's messages are read back (a missing table is not an error): keep them in the one language they are read in.
        info.Environment["LC_ALL"] = "C";
        foreach (string argument in script is null ? arguments : ["-f", "-"])
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {Path}");
        if (script is not null)
        {
            process.StandardInput.Write(script);
            process.StandardInput.Close();
        }

        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Limit))
        {
            process.Kill();
            return new NftResult(-1, string.Empty, $"{Path} ran past {Limit.TotalSeconds} s and was stopped");
        }

        return new NftResult(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }
}
