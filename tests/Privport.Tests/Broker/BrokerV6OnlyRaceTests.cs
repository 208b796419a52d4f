using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Privport.Tests.Infrastructure;
using Privport.Tests.Packaging;

namespace Privport.Tests.Broker;

/// <summary>
/// A client that flips IPV6_V6ONLY on its own socket while the broker decides and binds it (Attacks/v6only_flip.c).
/// Ports 850-859 on loopback belong to this class.
/// </summary>
public sealed class BrokerV6OnlyRaceTests(StagedPrivport privport)
{
    private const uint Nobody = 65534;
    private const int Port = 850;
    private const int MaxTries = 3000;
    private const int MaxSeconds = 20;

    [Fact]
    public async Task Bind_granted_only_as_ipv6_only_never_takes_the_ipv4_wildcard_while_the_client_flips_v6only()
    {
        Privilege.RequireRoot();
        Assert.SkipWhen(RepositoryFiles.FindTool("cc") is null, "needs a C compiler to build the attacker");
        string directory = Directory.CreateTempSubdirectory("privport-v6flip-").FullName;
        try
        {
            File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
            string attacker = Path.Combine(directory, "v6only_flip");
            var compile = await Run.AsRootAsync("cc", "-Wall", "-Wextra", "-Werror", "-O2", "-pthread",
                "-I", Path.Combine(RepositoryFiles.Root, "native", "include"),
                "-o", attacker, Path.Combine(RepositoryFiles.Root, "tests", "Privport.Tests", "Broker", "Attacks", "v6only_flip.c"));
            Assert.True(compile.ExitCode == 0, compile.ToString());
            await using var broker = await RunningBroker.StartAsync(privport, $"""
                [[allow]]
                name = "v6-only"
                users = ["{Nobody}"]
                ports = ["tcp/{Port}"]
                addresses = ["::"]
                """);

            var info = SetprivProcess.StartInfo(Privilege.Setpriv, Nobody, Nobody, attacker,
                [broker.SocketPath, $"{Port}", $"{MaxTries}", $"{MaxSeconds}"]);
            info.RedirectStandardInput = true;
            info.RedirectStandardOutput = true;
            info.RedirectStandardError = true;
            using var process = Process.Start(info)!;
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(MaxSeconds + 30));
            string? outcome = await process.StandardOutput.ReadLineAsync(deadline.Token);
            string ipv4Wildcard = outcome?.StartsWith("WON", StringComparison.Ordinal) == true ? TryBindIPv4Wildcard() : "not tried";
            process.StandardInput.Close();
            await process.WaitForExitAsync(deadline.Token);
            string stderr = await process.StandardError.ReadToEndAsync(deadline.Token);

            Assert.True(outcome?.StartsWith("DONE", StringComparison.Ordinal) == true,
                $"the attacker got a dual-stack bind of [::]:{Port}, so 0.0.0.0:{Port} too (a bind of it by root: {ipv4Wildcard}): {outcome} {stderr}");
            Assert.DoesNotContain("granted=0 ", outcome, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string TryBindIPv4Wildcard()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Bind(new IPEndPoint(IPAddress.Any, Port));
            return "succeeded";
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode.ToString();
        }
    }
}
