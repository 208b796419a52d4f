using System.Diagnostics;
using System.Globalization;
using System.Text;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Broker;

/// <summary>
/// Unprivileged users who shape what /proc shows about them: a group list cut at a place they choose, an executable
/// path that names another file in a mount namespace of their own. The broker must judge by what the kernel
/// recorded, not by what the text says. Ports 880-899 on loopback belong to this class.
/// </summary>
public sealed class PeerIdentityAttackTests(StagedPrivport privport) : IDisposable
{
    private const uint ManyGroups = 61880;
    private const uint Namespaced = 61882;
    private const uint Member = 13337;

    /// <summary>What the broker used to read of /proc/PID/status, in one read.</summary>
    private const int OldStatusRead = 8192;

    private readonly string _directory = CreateSharedDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string CreateSharedDirectory()
    {
        string directory = Directory.CreateTempSubdirectory("privport-identity-").FullName;
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        return directory;
    }

    [Fact]
    public async Task A_group_list_cut_inside_a_gid_grants_no_phantom_group_whatever_the_peers_name()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, """
            [[allow]]
            name = "phantom"
            groups = ["133"]
            ports = ["tcp/880"]

            [[allow]]
            name = "real"
            groups = ["13337"]
            ports = ["tcp/881"]
            """);

        // ~1,300 five-digit gids place 13337 across the 8 KiB mark; the peer's own name (comm, up to 15 bytes, set
        // here by the name it is executed under) shifts the mark so that it falls right after "133".
        int headerAtLength8 = await GroupsOffsetAsync(nameLength: 8);
        int alignedLength = Enumerable.Range(5, 6).First(length => (OldStatusRead - 3 - headerAtLength8 - (length - 8)) % 6 == 0);
        int before = (OldStatusRead - 3 - headerAtLength8 - (alignedLength - 8)) / 6;
        uint[] groups = [.. Enumerable.Range(0, before + 21).Select(i => (uint)(Member - before + i))];
        Assert.InRange(groups.Length, 1200, 1400);

        // The State line and FDSize of the probe may differ by a byte or two from the process measured: try around.
        var outcomes = new List<string>();
        bool held = true;
        for (int length = alignedLength - 3; length <= alignedLength + 3; length++)
        {
            string named = NamedPrivport(length);
            var phantom = await Run.AsUidWithGroupsAsync(ManyGroups, groups, named, "probe", "--socket", broker.SocketPath, "--mode", "query", "tcp/127.0.0.1:880");
            var real = await Run.AsUidWithGroupsAsync(ManyGroups, groups, named, "probe", "--socket", broker.SocketPath, "--mode", "query", "tcp/127.0.0.1:881");
            held &= phantom.ExitCode == 1 && phantom.Stdout.Contains("rule phantom", StringComparison.Ordinal) && real.ExitCode == 0;
            outcomes.Add($"name of {length} bytes: group 133 {Outcome(phantom)}, group {Member} {Outcome(real)}");
        }

        Assert.True(held, $"{groups.Length} groups, {Member} is gid number {before + 1}:\n{string.Join('\n', outcomes)}");
    }

    private static string Outcome(ProcessResult probe) => probe.ExitCode switch
    {
        0 => "granted",
        1 => "denied",
        _ => probe.ToString(),
    };

    [Fact]
    public async Task A_bind_mount_over_the_rules_path_in_a_private_mount_namespace_does_not_pass_for_the_program()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, $"""
            [[allow]]
            name = "only-privport"
            users = ["{Namespaced}"]
            exe = ["{privport.Executable}"]
            ports = ["tcp/882"]
            """);

        var genuine = await Run.AsUidAsync(Namespaced, privport.Executable, "probe", "--socket", broker.SocketPath, "--mode", "query", "tcp/127.0.0.1:882");
        var genuineInNamespace = await ProbeInOwnMountNamespaceAsync(broker, mountOver: null);
        var impostor = await ProbeInOwnMountNamespaceAsync(broker, mountOver: privport.Impostor);

        Assert.True(genuine.ExitCode == 0, genuine.ToString());
        Assert.True(genuineInNamespace.ExitCode == 0, genuineInNamespace.ToString());
        Assert.True(impostor.ExitCode == 1, impostor.ToString());
        Assert.Contains("another file", impostor.Stdout, StringComparison.Ordinal);
        string[] audit = broker.AuditLines();
        Assert.Equal(3, audit.Length);
        string real = await StatAsync(privport.Executable);
        string fake = await StatAsync(privport.Impostor);
        Assert.Contains(real, audit[0], StringComparison.Ordinal);
        Assert.Contains(real, audit[1], StringComparison.Ordinal);
        Assert.Contains("\"decision\":\"deny\"", audit[2], StringComparison.Ordinal);
        Assert.Contains($"\"exe\":\"{privport.Executable}\"", audit[2], StringComparison.Ordinal);
        Assert.Contains(fake, audit[2], StringComparison.Ordinal);
    }

    /// <summary>
    /// <c>privport probe</c> for tcp/882 as <see cref="Namespaced"/>, started from the staged privport path in a mount
    /// namespace of its own, with <paramref name="mountOver"/> bind-mounted over that path first. Where unprivileged
    /// users may create user namespaces (<c>unshare -Urm</c>) the uid does it all itself; elsewhere root mounts in
    /// <c>unshare -m</c> and the probe drops to the uid: the broker sees the same thing.
    /// </summary>
    private async Task<ProcessResult> ProbeInOwnMountNamespaceAsync(RunningBroker broker, string? mountOver)
    {
        string mount = mountOver is null ? string.Empty : "mount --bind \"$3\" \"$1\" && ";
        const string Probe = "\"$1\" probe --socket \"$2\" --mode query tcp/127.0.0.1:882";
        string[] arguments = ["sh", privport.Executable, broker.SocketPath, mountOver ?? string.Empty];
        if ((await Run.AsUidAsync(Namespaced, "unshare", "-Urm", "true")).ExitCode == 0)
        {
            return await Run.AsUidAsync(Namespaced, "unshare", ["-Urm", "sh", "-c", $"{mount}exec {Probe}", .. arguments]);
        }

        string drop = $"{Privilege.Setpriv} --reuid {Namespaced} --regid {Namespaced} --clear-groups";
        return await Run.AsRootAsync("unshare", ["-m", "--propagation", "private", "sh", "-c", $"{mount}exec {drop} {Probe}", .. arguments]);
    }

    /// <summary>The audit fields of the file <paramref name="path"/> leads to, as stat(1) sees it.</summary>
    private static async Task<string> StatAsync(string path)
    {
        var stat = await Run.AsRootAsync("stat", "-L", "-c", "\"exe_dev\":\"%Hd:%Ld\",\"exe_ino\":%i", path);
        Assert.True(stat.ExitCode == 0, stat.ToString());
        return stat.Stdout.Trim();
    }

    /// <summary>privport under a name of <paramref name="length"/> bytes, which becomes the process's comm.</summary>
    private string NamedPrivport(int length)
    {
        string link = Path.Combine(_directory, new string('n', length));
        if (!File.Exists(link))
        {
            File.CreateSymbolicLink(link, privport.Executable);
        }

        return link;
    }

    /// <summary>
    /// Where the first gid starts in /proc/PID/status for a process of <see cref="ManyGroups"/> with a name of
    /// <paramref name="nameLength"/> bytes started like the probes: the fields before Groups do not depend on it.
    /// </summary>
    private async Task<int> GroupsOffsetAsync(int nameLength)
    {
        string sleep = File.Exists("/usr/bin/sleep") ? "/usr/bin/sleep" : "/bin/sleep";
        string link = Path.Combine(_directory, new string('s', nameLength));
        File.CreateSymbolicLink(link, sleep);
        var info = SetprivProcess.StartInfo(Privilege.Setpriv, ManyGroups, ManyGroups, link, ["30"]);
        int clear = info.ArgumentList.IndexOf("--clear-groups");
        info.ArgumentList[clear] = "--groups";
        info.ArgumentList.Insert(clear + 1, Member.ToString(CultureInfo.InvariantCulture));
        using var sleeper = Process.Start(info)!;
        try
        {
            string proc = $"/proc/{sleeper.Id.ToString(CultureInfo.InvariantCulture)}";
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while ((await File.ReadAllTextAsync($"{proc}/comm", TestContext.Current.CancellationToken)).Trim() != Path.GetFileName(link))
            {
                Assert.True(DateTime.UtcNow < deadline, "the sleeper never ran under its name");
                await Task.Delay(10, TestContext.Current.CancellationToken);
            }

            string status = Encoding.ASCII.GetString(await File.ReadAllBytesAsync($"{proc}/status", TestContext.Current.CancellationToken));
            return status.IndexOf("\nGroups:\t", StringComparison.Ordinal) + "\nGroups:\t".Length;
        }
        finally
        {
            sleeper.Kill();
            await sleeper.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }
}
