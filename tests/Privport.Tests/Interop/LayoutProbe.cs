using System.Diagnostics;
using System.Globalization;

namespace Privport.Tests.Interop;

/// <summary>
/// Builds layout_probe.c with the system's C compiler against native/include and runs it once per test class:
/// the C side of every size, offset and constant the C# code copies.
/// </summary>
public sealed class LayoutProbe : IDisposable
{
    private static readonly string[] Compilers = ["cc", "gcc", "clang"];

    private readonly DirectoryInfo? work;
    private readonly string? skipReason;
    private readonly string? failure;
    private readonly Dictionary<string, string> values = new(StringComparer.Ordinal);

    public LayoutProbe()
    {
        string? compiler = FindCompiler();
        if (compiler is null)
        {
            skipReason = $"no C compiler ($CC, {string.Join(", ", Compilers)}) on PATH to build the layout probe";
            return;
        }

        string root = FindRepositoryRoot();
        work = Directory.CreateTempSubdirectory("privport-layout-probe-");
        string probe = Path.Combine(work.FullName, "layout_probe");
        var (built, _, buildErrors) = Run(compiler,
            "-std=c11", "-Wall", "-Wextra", "-Werror",
            "-I", Path.Combine(root, "native", "include"),
            "-o", probe,
            Path.Combine(root, "tests", "Privport.Tests", "Interop", "layout_probe.c"));
        if (built != 0)
        {
            failure = $"{compiler} could not build the layout probe (exit {built}):\n{buildErrors}";
            return;
        }

        var (ran, output, runErrors) = Run(probe);
        if (ran != 0)
        {
            failure = $"the layout probe exited {ran}:\n{runErrors}";
            return;
        }

        foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int space = line.LastIndexOf(' ');
            values.Add(line[..space], line[(space + 1)..]);
        }
    }

    /// <summary>The names the probe printed; skips the calling test when no compiler exists, fails it when the probe did.</summary>
    public IReadOnlyCollection<string> Names()
    {
        EnsureRan();
        return values.Keys;
    }

    /// <summary>The C value of <paramref name="name"/>, or null when the C headers do not define it.</summary>
    public long? Number(string name)
    {
        EnsureRan();
        return values.TryGetValue(name, out string? text) ? long.Parse(text, CultureInfo.InvariantCulture) : null;
    }

    public string Text(string name)
    {
        EnsureRan();
        Assert.True(values.TryGetValue(name, out string? text), $"the probe prints no {name}");
        return text;
    }

    public void Dispose() => work?.Delete(recursive: true);

    private void EnsureRan()
    {
        if (skipReason is not null)
        {
            Assert.Skip(skipReason);
        }

        Assert.True(failure is null, failure);
    }

    private static string? FindCompiler()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("CC");
        var candidates = string.IsNullOrWhiteSpace(fromEnvironment) ? Compilers : [fromEnvironment, .. Compilers];
        string[] path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        foreach (string candidate in candidates)
        {
            if (candidate.Contains('/', StringComparison.Ordinal))
            {
                if (File.Exists(candidate))
                {
                    return candidate;
                }

                continue;
            }

            foreach (string directory in path)
            {
                string full = Path.Combine(directory, candidate);
                if (File.Exists(full))
                {
                    return full;
                }
            }
        }

        return null;
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Privport.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no Privport.slnx above {AppContext.BaseDirectory}: the tests must run from the repository");
    }

    private static (int ExitCode, string Output, string Errors) Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var errors = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            process.Kill();
            throw new TimeoutException($"{program} ran for over a minute");
        }

        return (process.ExitCode, output, errors.GetAwaiter().GetResult());
    }
}
