using System.Diagnostics;
using System.Reflection;
using Privport.Fuzz;

namespace Privport.Tests.Fuzz;

/// <summary>
/// Every input of tests/fuzz/corpus (seeds, a sample of what AFL++ found interesting, and each crash or hang it ever
/// found, as crash-*/hang-*) goes through the same target as under the fuzzer: none may throw or take long.
/// </summary>
public sealed class FuzzCorpusReplayTests
{
    private static readonly TimeSpan PerInput = TimeSpan.FromSeconds(2);

    public static TheoryData<string> Targets => new(FuzzTargets.Names);

    [Theory]
    [MemberData(nameof(Targets))]
    public void Every_corpus_input_runs_through_its_target_without_an_exception_and_quickly(string name)
    {
        var target = FuzzTargets.Find(name)!;
        string[] inputs = Directory.GetFiles(Path.Combine(CorpusDirectory, name));
        Assert.Contains(inputs, path => Path.GetFileName(path).StartsWith("seed-", StringComparison.Ordinal));

        // The first input runs twice: the first time pays for JIT and regex construction, and the time bound is for
        // the input, not for start-up. Whatever it does that time, it does again the second time, and is counted then.
        var failures = new List<string>();
        for (int i = -1; i < inputs.Length; i++)
        {
            string path = inputs[Math.Max(i, 0)];
            byte[] input = File.ReadAllBytes(path);
            var clock = Stopwatch.StartNew();
            try
            {
                target(input);
            }
            catch (Exception e) when (i >= 0)
            {
                failures.Add($"{Path.GetFileName(path)}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
                continue;
            }
            catch (Exception)
            {
                continue;
            }

            if (i >= 0 && clock.Elapsed > PerInput)
            {
                failures.Add($"{Path.GetFileName(path)}: took {clock.Elapsed.TotalMilliseconds:0} ms (bound: {PerInput.TotalMilliseconds:0} ms)");
            }
        }

        Assert.True(failures.Count == 0,
            $"{failures.Count} of {inputs.Length} inputs of tests/fuzz/corpus/{name} fail; reproduce one with "
            + $"dotnet tests/fuzz/Privport.Fuzz/bin/Release/net10.0/privport-fuzz.dll {name} FILE:\n{string.Join('\n', failures)}");
    }

    [Fact]
    public void The_committed_corpus_stays_small_enough_to_replay_on_every_run()
    {
        var files = Directory.GetFiles(CorpusDirectory, "*", SearchOption.AllDirectories);
        long bytes = files.Sum(file => new FileInfo(file).Length);

        Assert.True(files.Length <= 3000, $"{files.Length} corpus files; keep at most 3000 (minimize the AFL queue with afl-cmin)");
        Assert.True(bytes <= 2 * 1024 * 1024, $"{bytes} bytes of corpus; keep at most 2 MiB");
    }

    private static string CorpusDirectory { get; } = typeof(FuzzCorpusReplayTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(attribute => attribute.Key == "FuzzCorpusDirectory").Value!;
}
