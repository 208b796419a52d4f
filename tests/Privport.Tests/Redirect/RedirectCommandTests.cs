using Privport.Tests.Infrastructure;

namespace Privport.Tests.Redirect;

/// <summary>
/// <c>privport redirect</c> in network namespaces each test creates (never the host's own tables): rules in both
/// chains, idempotent add, remove leaving nothing, and real connections redirected locally and from another host.
/// </summary>
public sealed class RedirectCommandTests(StagedPrivport privport)
{
    private const string Python = "/usr/bin/python3";

    private Task<ProcessResult> RedirectAsync(NetworkNamespace space, params string[] arguments) =>
        space.RunAsync(privport.Executable, ["redirect", .. arguments]);

    [Fact]
    public async Task Add_is_idempotent_list_shows_it_and_remove_leaves_nothing_behind()
    {
        NetworkNamespace.Require();
        await using var space = await NetworkNamespace.CreateAsync();

        Assert.Contains("no redirects installed", (await RedirectAsync(space, "list")).Stdout, StringComparison.Ordinal);
        var first = await RedirectAsync(space, "add", "tcp/80", "8080");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("added tcp/80 -> 8080", first.Stdout, StringComparison.Ordinal);
        var again = await RedirectAsync(space, "add", "tcp/80", "8080");
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("installed already", again.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, (await RedirectAsync(space, "add", "udp/53", "5353", "--address", "127.0.0.1")).ExitCode);

        string ruleset = (await space.RunAsync("/usr/sbin/nft", "list", "ruleset")).Stdout;
        Assert.Equal(2, Count(ruleset, "fib daddr type local tcp dport 80 redirect to :8080 comment \"privport tcp/80 8080\""));
        Assert.Equal(2, Count(ruleset, "ip daddr 127.0.0.1 udp dport 53 redirect to :5353"));
        Assert.Contains("type nat hook prerouting", ruleset, StringComparison.Ordinal);
        Assert.Contains("type nat hook output", ruleset, StringComparison.Ordinal);

        var list = await RedirectAsync(space, "list");
        Assert.Equal(["tcp/80 -> 8080\t(PREROUTING, OUTPUT)", "udp/53 -> 5353 on 127.0.0.1\t(PREROUTING, OUTPUT)"],
            list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        Assert.Contains("removed tcp/80 -> 8080", (await RedirectAsync(space, "remove", "tcp/80", "8080")).Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("tcp dport 80", (await space.RunAsync("/usr/sbin/nft", "list", "ruleset")).Stdout, StringComparison.Ordinal);
        Assert.Equal(0, (await RedirectAsync(space, "remove", "udp/53", "5353", "--address", "127.0.0.1")).ExitCode);
        Assert.Equal(string.Empty, (await space.RunAsync("/usr/sbin/nft", "list", "ruleset")).Stdout.Trim());
        Assert.Contains("not installed; nothing to remove", (await RedirectAsync(space, "remove", "tcp/80", "8080")).Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_target_for_the_same_port_is_refused_until_the_first_is_removed()
    {
        NetworkNamespace.Require();
        await using var space = await NetworkNamespace.CreateAsync();
        Assert.Equal(0, (await RedirectAsync(space, "add", "80", "8080")).ExitCode);

        var clash = await RedirectAsync(space, "add", "tcp/80", "8081");

        Assert.NotEqual(0, clash.ExitCode);
        Assert.Contains("tcp/80 -> 8080 is installed already; remove it first (privport redirect remove tcp/80 8080)", clash.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Local_connections_are_redirected_through_the_output_chain()
    {
        NetworkNamespace.Require();
        Assert.SkipUnless(File.Exists(Python), $"needs {Python}");
        await using var space = await NetworkNamespace.CreateAsync();
        Assert.Equal(0, (await RedirectAsync(space, "add", "tcp/80", "8080")).ExitCode);

        var result = await space.RunAsync(Python, "-c", """
            import socket
            server = socket.socket(); server.bind(("127.0.0.1", 8080)); server.listen()
            client = socket.create_connection(("127.0.0.1", 80), timeout=5)
            accepted, _ = server.accept(); accepted.sendall(b"reached 8080")
            print(client.recv(100).decode())
            """);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("reached 8080", result.Stdout.Trim());
    }

    [Fact]
    public async Task Connections_from_another_host_are_redirected_through_the_prerouting_chain()
    {
        NetworkNamespace.Require();
        Assert.SkipUnless(File.Exists(Python), $"needs {Python}");
        await using var server = await NetworkNamespace.CreateAsync();
        await using var client = await NetworkNamespace.CreateAsync();
        await server.LinkAsync(client, "10.77.0.1", "10.77.0.2");
        Assert.Equal(0, (await RedirectAsync(server, "add", "tcp/80", "8080")).ExitCode);

        using var listening = server.Start(Python, "-c", """
            import socket, sys
            server = socket.socket(); server.bind(("0.0.0.0", 8080)); server.listen(); print("ready", flush=True)
            server.settimeout(20); accepted, peer = server.accept(); accepted.sendall(("reached 8080 from " + peer[0]).encode())
            """);
        try
        {
            Assert.Equal("ready", await listening.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken));
            var result = await client.RunAsync(Python, "-c", """
                import socket
                print(socket.create_connection(("10.77.0.1", 80), timeout=5).recv(100).decode())
                """);

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal("reached 8080 from 10.77.0.2", result.Stdout.Trim());
        }
        finally
        {
            if (!listening.HasExited)
            {
                listening.Kill();
            }
        }
    }

    private static int Count(string text, string part)
    {
        int count = 0;
        for (int at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
