using System.Diagnostics;
using System.Security.Cryptography;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Redirect;

/// <summary>A network namespace made for one test (ip netns add privport-test-RANDOM) and deleted after it.</summary>
public sealed class NetworkNamespace : IAsyncDisposable
{
    private const string Ip = "/usr/sbin/ip";

    private NetworkNamespace(string name)
    {
        Name = name;
    }

    public string Name { get; }

    public static void Require()
    {
        Privilege.RequireRoot();
        Assert.SkipUnless(File.Exists(Ip), $"needs {Ip} (iproute2) to make a network namespace");
        Assert.SkipUnless(File.Exists("/usr/sbin/nft"), "needs nft (test.sh installs nftables)");
    }

    public static async Task<NetworkNamespace> CreateAsync()
    {
        string name = $"privport-test-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        var created = await Run.AsRootAsync(Ip, "netns", "add", name);
        Assert.True(created.ExitCode == 0, $"ip netns add {name}: {created}");
        var space = new NetworkNamespace(name);
        Assert.Equal(0, (await space.RunAsync(Ip, "link", "set", "lo", "up")).ExitCode);
        return space;
    }

    /// <summary>Runs a program inside the namespace (ip netns exec), to completion.</summary>
    public Task<ProcessResult> RunAsync(string program, params string[] arguments) =>
        Run.AsRootAsync(Ip, ["netns", "exec", Name, program, .. arguments]);

    /// <summary>Starts a program inside the namespace and leaves it running.</summary>
    public Process Start(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(Ip) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in (string[])["netns", "exec", Name, program, .. arguments])
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info)!;
    }

    /// <summary>Joins this namespace and <paramref name="other"/> with a veth pair addressed ADDRESS/24 on each side.</summary>
    public async Task LinkAsync(NetworkNamespace other, string address, string otherAddress)
    {
        string here = "pp" + Name[^8..];
        string there = "pq" + Name[^8..];
        Assert.Equal(0, (await Run.AsRootAsync(Ip, "link", "add", here, "netns", Name, "type", "veth", "peer", "name", there, "netns", other.Name)).ExitCode);
        Assert.Equal(0, (await RunAsync(Ip, "addr", "add", address + "/24", "dev", here)).ExitCode);
        Assert.Equal(0, (await RunAsync(Ip, "link", "set", here, "up")).ExitCode);
        Assert.Equal(0, (await other.RunAsync(Ip, "addr", "add", otherAddress + "/24", "dev", there)).ExitCode);
        Assert.Equal(0, (await other.RunAsync(Ip, "link", "set", there, "up")).ExitCode);
    }

    public async ValueTask DisposeAsync() => await Run.AsRootAsync(Ip, "netns", "delete", Name);
}
