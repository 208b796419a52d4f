using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Privport.Interop;
using Privport.Protocol;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Broker;

/// <summary>
/// A local user with no grant attacks the broker's serving with every connection it may hold (broker_attack.py), and
/// root's QUERY and a granted user's wrapped bind() are still answered within 100 ms at the 99th percentile, over what
/// the same probes take on this machine with no attack (on an idle machine a millisecond or two; on a loaded one the
/// machine's own delays are not the broker's). Ports 800-809 on loopback belong to this class.
/// </summary>
[Collection(nameof(AttackMeasurement))]
public sealed class BrokerDenialOfServiceTests(StagedPrivport privport)
{
    // Run by another uid: a python3 from root's own PATH (pyenv) may not be readable by it.
    private const string Python = "/usr/bin/python3";
    private const uint Attacker = 61800;
    private const uint Service = 61801;
    private const int AttackerConnections = 128;
    private const int Probes = 100;
    private const double LimitMilliseconds = 100;

    private const string Policy = """
        [[allow]]
        name = "root"
        users = ["0"]
        ports = ["tcp/800-809"]

        [[allow]]
        name = "service"
        users = ["61801"]
        ports = ["tcp/801"]
        addresses = ["127.0.0.1"]
        """;

    [Theory]
    [InlineData("pipeline")]
    [InlineData("reading")]
    [InlineData("idle")]
    public async Task Root_and_a_wrapped_bind_are_answered_within_100_ms_while_a_user_attacks_with_every_connection_it_may_hold(string attack)
    {
        Privilege.RequireRoot();
        Assert.SkipWhen(Packaging.RepositoryFiles.FindTool("cc") is null, "needs a C compiler to build the wrapped program");
        Assert.SkipUnless(File.Exists(Python), $"needs {Python} for the attack");
        string directory = Directory.CreateTempSubdirectory("privport-dos-").FullName;
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        try
        {
            string program = await CompileAsync(directory);
            string script = Path.Combine(directory, "broker_attack.py");
            File.Copy(Path.Combine(AppContext.BaseDirectory, "Broker", "broker_attack.py"), script);
            await using var broker = await RunningBroker.StartAsync(privport, Policy);
            var (quietRoot, quietBinds) = await MeasureAsync(broker, program);
            Assert.True(quietRoot.Count == Probes && quietBinds.Count == Probes, $"without attack: root {Describe(quietRoot)}, wrapped bind {Describe(quietBinds)}");
            await using var attacker = ServiceProcess.Start(SetprivProcess.StartInfo(
                Privilege.Setpriv, Attacker, Attacker, Python, [script, broker.SocketPath, attack, AttackerConnections.ToString(CultureInfo.InvariantCulture), "60"]));
            await attacker.WaitUntilAsync(() => attacker.Stdout.Contains("ready", StringComparison.Ordinal) || attacker.HasExited, "the attacker's connections");
            Assert.False(attacker.HasExited, attacker.Stderr);
            await Task.Delay(500, TestContext.Current.CancellationToken);

            // A loaded machine stalls now and then whatever the broker does: an attempt that meets the bound shows
            // the broker can; one that misses it by the machine's doing is measured again, twice at most. On a
            // broker that lets the attacker hold it, every attempt fails.
            var attempts = new List<string>();
            for (int attempt = 1; attempt <= 3; attempt++)
            {
                var (root, binds) = await MeasureAsync(broker, program);
                Assert.False(attacker.HasExited, $"the attack stopped early: {attacker.Stderr}");
                string figures = $"attack '{attack}', attempt {attempt}: root QUERY {Describe(root)}; wrapped bind {Describe(binds)}; without attack: {Describe(quietRoot)} and {Describe(quietBinds)}";
                TestContext.Current.TestOutputHelper?.WriteLine(figures);
                attempts.Add(figures);
                Assert.True(root.Count == Probes, $"root's QUERY went unanswered (1 s) under attack '{attack}'; answered {root.Count} of {Probes}: {Describe(root)}");
                Assert.True(binds.Count == Probes, $"the wrapped bind failed or hung under attack '{attack}': {binds.Count} of {Probes} bound");
                if (Percentile99(root) <= LimitMilliseconds + Percentile99(quietRoot) && Percentile99(binds) <= LimitMilliseconds + Percentile99(quietBinds))
                {
                    return;
                }
            }

            Assert.Fail($"p99 over {LimitMilliseconds} ms more than without attack in every attempt:\n{string.Join('\n', attempts)}");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    // Root's probes and the granted user's wrapped binds, at the same time.
    private async Task<(List<double> Root, List<double> Binds)> MeasureAsync(RunningBroker broker, string program)
    {
        var rootProbes = Task.Factory.StartNew(() => ProbeAsRoot(broker.SocketPath), TaskCreationOptions.LongRunning);
        var wrapped = await Run.AsUidAsync(Service, privport.Executable, "wrap", "--socket", broker.SocketPath, "--", program, "801", Probes.ToString(CultureInfo.InvariantCulture));
        return (await rootProbes, ParseBindLatencies(wrapped.Stdout));
    }

    private static async Task<string> CompileAsync(string directory)
    {
        string program = Path.Combine(directory, "bind_latency");
        var compile = await Run.AsRootAsync("cc", "-std=c11", "-O2", "-o", program, Path.Combine(AppContext.BaseDirectory, "Broker", "bind_latency.c"));
        Assert.True(compile.ExitCode == 0, compile.ToString());
        return program;
    }

    // One QUERY per fresh connection, as every privport client asks; a reply later than 1 s counts as unanswered.
    private static List<double> ProbeAsRoot(string socketPath)
    {
        var latencies = new List<double>();
        var query = RawBrokerConnection.Encode(BrokerOp.Query, "tcp/127.0.0.1:800");
        for (int i = 0; i < Probes; i++)
        {
            long started = Stopwatch.GetTimestamp();
            try
            {
                using var connection = new RawBrokerConnection(socketPath, TimeSpan.FromSeconds(1));
                var (reply, _) = connection.Exchange(query);
                Assert.Equal(0, reply.Status);
            }
            catch (Exception e) when (e is SocketException or SystemCallException or InvalidOperationException)
            {
                return latencies;
            }

            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            Thread.Sleep(10);
        }

        return latencies;
    }

    private static List<double> ParseBindLatencies(string output)
    {
        var latencies = new List<double>();
        foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (long.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out long micros))
            {
                latencies.Add(micros / 1000.0);
            }
        }

        return latencies;
    }

    // Nearest rank.
    private static double Percentile99(List<double> samples)
    {
        var sorted = samples.Order().ToArray();
        return sorted.Length == 0 ? double.PositiveInfinity : sorted[(int)Math.Ceiling(0.99 * sorted.Length) - 1];
    }

    private static string Describe(List<double> samples) => samples.Count == 0
        ? "no samples"
        : string.Create(CultureInfo.InvariantCulture, $"n={samples.Count} median={samples.Order().ElementAt(samples.Count / 2):0.00} ms p99={Percentile99(samples):0.00} ms max={samples.Max():0.00} ms");
}
