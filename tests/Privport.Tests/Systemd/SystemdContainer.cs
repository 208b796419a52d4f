using System.Diagnostics;
using System.Globalization;
using Privport.Tests.Infrastructure;
using Privport.Tests.Packaging;

namespace Privport.Tests.Systemd;

/// <summary>
/// Debian bookworm booted with systemd as PID 1 in systemd-nspawn (its own network namespace, cgroup v2 inside),
/// with the privport .deb under test installed by apt. Commands run inside through nsenter; they are not under
/// any unit's sandbox, so assertions about a unit look at the processes systemd started for it.
/// Booted once for the collection and always powered off and cleaned up, also after a killed run (the next run
/// sweeps what the killed one left).
/// </summary>
public sealed class SystemdContainer : IAsyncLifetime
{
    public const string CacheRoot = "/var/cache/privport-system-tests";
    private static readonly TimeSpan BootLimit = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ShutdownLimit = TimeSpan.FromSeconds(20);
    private const string CleanPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private readonly Stopwatch _clock = new();
    private ContainerCgroups? _cgroups;
    private Process? _nspawn;
    private string? _work;
    private readonly string _machine = "privport-test-" + Environment.ProcessId;

    /// <summary>Why the scenarios cannot run here, or null.</summary>
    public string? SkipReason { get; private set; }

    /// <summary>The container's PID 1 (systemd), as the host sees it.</summary>
    public int Pid1 { get; private set; }

    /// <summary>The package under test, as a host path.</summary>
    public string Package { get; private set; } = "";

    /// <summary>Its path inside the container.</summary>
    public const string PackageInside = "/root/privport.deb";

    /// <summary>What apt printed installing it at boot.</summary>
    public ProcessResult? Installation { get; private set; }

    /// <summary>How long each step of bringing the container up took, for the record.</summary>
    public IList<string> Timings { get; } = [];

    public async ValueTask InitializeAsync()
    {
        try
        {
            await BringUpAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    private async Task BringUpAsync()
    {
        SkipReason = FindSkipReason(out var mounts);
        if (SkipReason is not null)
        {
            return;
        }

        _work = Directory.CreateTempSubdirectory("privport-system-").FullName;
        _clock.Start();
        var package = BuildPackageAsync();
        string rootfs = await Step("root file system (cached by package list)", BuildRootFilesystemAsync());
        Package = await Step("privport .deb", package);

        _cgroups = ContainerCgroups.Create(mounts!.Value);
        RemoveNspawnLeftovers();
        await Step("boot to running", BootAsync(rootfs));
        File.Copy(Package, HostPath(PackageInside), overwrite: true);
        Installation = await Step("apt-get install ./privport.deb", InstallAsync(PackageInside));
        Assert.True(Installation.ExitCode == 0, "apt-get install of the package under test failed:\n" + Installation);
        var save = await ShAsync("cp /etc/privport/policy.toml /root/policy.toml.installed && dpkg-query -W -f='${Status} ${Version}' privport >/root/privport.version");
        Assert.True(save.ExitCode == 0, save.ToString());
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await PowerOffAsync();
        }
        finally
        {
            _nspawn = null;
            _cgroups?.Remove();
            _cgroups = null;
            RemoveNspawnLeftovers();
            if (_work is not null && Directory.Exists(_work))
            {
                Directory.Delete(_work, recursive: true);
            }

            _work = null;
        }
    }

    /// <summary>Skips the calling scenario, with the reason, when the container could not be booted here.</summary>
    public void Require() => Assert.SkipWhen(SkipReason is not null, SkipReason ?? "");

    /// <summary>A path inside the container, as seen from the host (through PID 1's root).</summary>
    public string HostPath(string inside) => $"/proc/{Pid1}/root{inside}";

    /// <summary>Writes a file inside the container (root's, mode 0644), its directory made if missing.</summary>
    public async Task WriteFileAsync(string inside, string text)
    {
        string path = HostPath(inside);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, text, TestContext.Current.CancellationToken);
        File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100);
    }

    /// <summary>Runs a bash script in every namespace of the container (its network too), as root, clean env.</summary>
    public Task<ProcessResult> ShAsync(string script, TimeSpan? limit = null) =>
        EnterAsync(["-n"], script, limit ?? TimeSpan.FromSeconds(60));

    /// <summary>The same, in the host's network namespace: apt reaches the network from there.</summary>
    public Task<ProcessResult> ShWithHostNetworkAsync(string script, TimeSpan? limit = null) =>
        EnterAsync([], script, limit ?? TimeSpan.FromSeconds(120));

    /// <summary>Installs a .deb (a path inside the container) as an admin would, with apt.</summary>
    public Task<ProcessResult> InstallAsync(string debInside) =>
        ShWithHostNetworkAsync($"DEBIAN_FRONTEND=noninteractive apt-get install -y -q --allow-downgrades {debInside}");

    /// <summary>
    /// Puts the container back to the package as installed: no privport unit running or enabled, the installed
    /// policy, no drop-ins, no forwarders, no units a scenario made; the package reinstalled if one removed it.
    /// </summary>
    public async Task ResetAsync()
    {
        var reset = await ShAsync($$"""
            systemctl stop 'privport-test-*' nginx.service caddy.service 'privport-forward@*' privport.service privport.socket 2>/dev/null
            systemctl disable -q privport.socket privport.service 2>/dev/null
            rm -rf /etc/systemd/system/privport.service.d /etc/systemd/system/nginx.service.d /etc/systemd/system/caddy.service.d /etc/systemd/system/privport-test-*
            if [ "$(dpkg-query -W -f='${Status} ${Version}' privport 2>/dev/null)" != "$(cat /root/privport.version)" ]; then
              DEBIAN_FRONTEND=noninteractive apt-get install -y -q {{PackageInside}} >/dev/null || exit 1
            fi
            rm -f /etc/privport/policy.d/* /etc/privport/forward.d/*.toml
            cp /root/policy.toml.installed /etc/privport/policy.toml
            systemctl daemon-reload && systemctl reset-failed
            """);
        Assert.True(reset.ExitCode == 0, "resetting the container failed:\n" + reset);
    }

    /// <summary>The journal's current end, to read only what a scenario caused.</summary>
    public async Task<string> JournalCursorAsync()
    {
        var cursor = await ShAsync("journalctl -q -n 0 --show-cursor");
        string line = cursor.Stdout.Split('\n').Single(text => text.StartsWith("-- cursor: ", StringComparison.Ordinal));
        return line["-- cursor: ".Length..].Trim();
    }

    /// <summary>journalctl with the given arguments, after the cursor (journald given a moment to catch up).</summary>
    public async Task<string> JournalAfterAsync(string cursor, string arguments)
    {
        await ShAsync("journalctl --sync 2>/dev/null || true");
        var journal = await ShAsync($"journalctl -q --no-pager --after-cursor='{cursor}' {arguments}");
        Assert.True(journal.ExitCode == 0, journal.ToString());
        return journal.Stdout;
    }

    /// <summary>
    /// The messages of the matching entries after the cursor at <paramref name="priority"/> or more severe, one a
    /// line. journalctl 252 prints nothing when --after-cursor and -p are combined, so the priority is read here.
    /// </summary>
    public async Task<string> JournalAtPriorityAsync(string cursor, string matches, int priority)
    {
        var lines = new List<string>();
        foreach (string entry in (await JournalAfterAsync(cursor, matches + " -o json")).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = System.Text.Json.JsonDocument.Parse(entry).RootElement;
            if (fields.TryGetProperty("PRIORITY", out var level) && int.Parse(level.GetString()!, CultureInfo.InvariantCulture) <= priority
                && fields.TryGetProperty("MESSAGE", out var message) && message.ValueKind == System.Text.Json.JsonValueKind.String)
            {
                lines.Add(message.GetString()!);
            }
        }

        return string.Join('\n', lines);
    }

    /// <summary>
    /// journalctl after the cursor, read again (bounded) until it holds <paramref name="expected"/>: a service's
    /// stdout reaches journald through a stream it reads in its own time, after the service may have exited.
    /// With a priority, only entries at it or more severe.
    /// </summary>
    public async Task<string> JournalUntilAsync(string cursor, string arguments, string expected, int? priority = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        string journal;
        while (!(journal = priority is { } level ? await JournalAtPriorityAsync(cursor, arguments, level) : await JournalAfterAsync(cursor, arguments))
            .Contains(expected, StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        return journal;
    }

    /// <summary>Waits (bounded) until a script exits 0; the last result either way.</summary>
    public async Task<ProcessResult> UntilAsync(string script, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        ProcessResult result;
        do
        {
            result = await ShAsync(script);
            if (result.ExitCode == 0)
            {
                return result;
            }

            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);
        return result;
    }

    private static string? FindSkipReason(out (string Unified, string? Named)? mounts)
    {
        mounts = null;
        if (Privport.Interop.Interop.Libc.geteuid() != 0)
        {
            return "needs root: boots a systemd container with systemd-nspawn (run the suite as root, as CI does)";
        }

        if (Environment.GetEnvironmentVariable(StagedPrivport.ExecutableVariable) is not { Length: > 0 })
        {
            return "installs the .deb of the NativeAOT binary: run through test.sh, which publishes it and sets PRIVPORT_TEST_EXECUTABLE";
        }

        if (RepositoryFiles.FindTool("systemd-nspawn") is null || RepositoryFiles.FindTool("debootstrap") is null || RepositoryFiles.FindTool("nsenter") is null)
        {
            return "needs systemd-nspawn, debootstrap and nsenter (apt-get install systemd-container debootstrap util-linux; test.sh installs them)";
        }

        if (RepositoryFiles.FindTool("dpkg-deb") is null)
        {
            return "needs dpkg-deb to build the package (apt-get install dpkg)";
        }

        mounts = ContainerCgroups.FindMounts();
        return mounts is null ? "needs a cgroup2 mount (systemd in the container runs on cgroup v2)" : null;
    }

    private async Task<T> Step<T>(string name, Task<T> step)
    {
        var started = _clock.Elapsed;
        T result = await step;
        Timings.Add(string.Create(CultureInfo.InvariantCulture, $"{name}: {(_clock.Elapsed - started).TotalSeconds:F1} s"));
        return result;
    }

    private async Task<string> BuildPackageAsync()
    {
        string publish = Path.GetDirectoryName(Environment.GetEnvironmentVariable(StagedPrivport.ExecutableVariable))!;
        var build = await ContainerCommand.RunAsync(TimeSpan.FromMinutes(5), Path.Combine(RepositoryFiles.Packaging, "build-deb.sh"),
            ["--from", publish, "--output", _work!]);
        Assert.True(build.ExitCode == 0, "building the .deb failed:\n" + build);
        return build.Stdout.Trim().Split('\n')[^1];
    }

    private static async Task<string> BuildRootFilesystemAsync()
    {
        var build = await ContainerCommand.RunAsync(TimeSpan.FromMinutes(15), Path.Combine(ScenarioFiles.Directory, "build-rootfs.sh"), [CacheRoot + "/rootfs"]);
        Assert.True(build.ExitCode == 0, "building the container's root file system failed:\n" + build);
        return build.Stdout.Trim().Split('\n')[^1];
    }

    private async Task<bool> BootAsync(string rootfs)
    {
        string log = Path.Combine(_work!, "console.log");
        string join = $"echo $$ >{_cgroups!.Unified}/cgroup.procs" + (_cgroups.Named is null ? "" : $" && echo $$ >{_cgroups.Named}/cgroup.procs");
        // --register=no --keep-unit: there is no systemd on the host to register with; --private-network: services
        // bind in the container's own network namespace; --system-call-filter=bpf: without it bpf() is refused and
        // systemd silently does not enforce IPAddressDeny= or DeviceAllow=; --volatile=overlay: the cached tree
        // is never written.
        var info = new ProcessStartInfo("/bin/sh")
        {
            ArgumentList =
            {
                "-c",
                $"{join} && exec systemd-nspawn -D '{rootfs}' --machine={_machine} --boot --register=no --keep-unit --private-network " +
                $"--volatile=overlay --system-call-filter=bpf --capability=CAP_BPF,CAP_PERFMON --console=read-only <{"/dev/null"} >'{log}' 2>&1",
            },
        };
        info.Environment["SYSTEMD_NSPAWN_UNIFIED_HIERARCHY"] = "1";
        _nspawn = Process.Start(info)!;

        var deadline = DateTime.UtcNow + BootLimit;
        while (Pid1 == 0)
        {
            if (_nspawn.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"systemd-nspawn did not start the container's PID 1 within {BootLimit.TotalSeconds} s; its console:\n{ReadLog(log)}");
            }

            if (File.Exists(_cgroups.InitScopeProcs) && File.ReadAllText(_cgroups.InitScopeProcs).Split('\n', StringSplitOptions.RemoveEmptyEntries) is [var pid, ..])
            {
                Pid1 = int.Parse(pid, CultureInfo.InvariantCulture);
            }
            else
            {
                await Task.Delay(50);
            }
        }

        // Until PID 1 serves its private bus, systemctl cannot ask it (and says nothing on stdout).
        ProcessResult running;
        do
        {
            running = await EnterAsync(["-n"], "systemctl is-system-running --wait", BootLimit);
            if (running.Stdout.Trim().Length > 0 || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(100);
        }
        while (true);
        if (running.Stdout.Trim() != "running")
        {
            var failed = await ShAsync("systemctl --failed --no-legend --plain; journalctl -b -p warning --no-pager | tail -n 40");
            throw new InvalidOperationException($"the container's systemd is '{running.Stdout.Trim()}' ({running.Stderr.Trim()}), not running:\n{failed.Stdout}\nconsole:\n{ReadLog(log)}");
        }

        return true;
    }

    private async Task PowerOffAsync()
    {
        if (_nspawn is null)
        {
            return;
        }

        using (_nspawn)
        {
            if (!_nspawn.HasExited && Pid1 != 0)
            {
                // SIGRTMIN+4 asks systemd for a clean poweroff, the signal systemd-nspawn itself sends.
                await ContainerCommand.RunAsync(TimeSpan.FromSeconds(5), "/bin/kill", ["-s", "RTMIN+4", Pid1.ToString(CultureInfo.InvariantCulture)]);
            }

            using var deadline = new CancellationTokenSource(ShutdownLimit);
            try
            {
                await _nspawn.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                // Not down in time: the cgroup sweep in Dispose kills everything left, nspawn included.
                _nspawn.Kill();
            }
        }
    }

    private void RemoveNspawnLeftovers()
    {
        // nspawn leaves its mount propagation directory behind when it runs without a host systemd.
        foreach (string directory in new[] { "/run/systemd/nspawn/propagate", "/run/systemd/nspawn/unix-export", "/run/systemd/nspawn/locks" })
        {
            if (Directory.Exists(directory))
            {
                foreach (string leftover in Directory.GetDirectories(directory, "privport-test-*"))
                {
                    if (int.TryParse(Path.GetFileName(leftover)["privport-test-".Length..], out int owner)
                        && (owner == Environment.ProcessId || !Directory.Exists($"/proc/{owner}")))
                    {
                        Directory.Delete(leftover, recursive: true);
                    }
                }

                try
                {
                    Directory.Delete(directory);
                }
                catch (IOException)
                {
                    // Another container's.
                }
            }
        }

        try
        {
            if (Directory.Exists("/run/systemd/nspawn"))
            {
                Directory.Delete("/run/systemd/nspawn");
            }
        }
        catch (IOException)
        {
            // Not empty: another container's locks or directories.
        }
    }

    private async Task<ProcessResult> EnterAsync(string[] extraNamespaces, string script, TimeSpan limit)
    {
        string[] arguments =
        [
            "-t", Pid1.ToString(CultureInfo.InvariantCulture), "-m", "-u", "-i", "-p", "-C", .. extraNamespaces, "-r", "-w",
            "/usr/bin/env", "-i", CleanPath, "HOME=/root", "LANG=C.UTF-8", "TERM=dumb", "SYSTEMD_COLORS=0", "SYSTEMD_PAGER=",
            "/bin/bash", "-c", script,
        ];
        return await ContainerCommand.RunAsync(limit, "nsenter", arguments);
    }

    private static string ReadLog(string path) => File.Exists(path) ? File.ReadAllText(path) : "(no console output)";
}
