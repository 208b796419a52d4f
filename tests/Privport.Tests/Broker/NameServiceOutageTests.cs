using Privport.Tests.Infrastructure;
using Privport.Tests.Packaging;

namespace Privport.Tests.Broker;

/// <summary>
/// A broker started while the name service cannot answer (sssd or LDAP not up yet at boot) waits for it instead of
/// failing the policy as if its users did not exist: exit 78 would keep the unit down for good
/// (RestartPreventExitStatus=78). The outage is an NSS source of the test's own (libnss_privporttest.c), named in
/// an nsswitch.conf bind-mounted over /etc/nsswitch.conf in a mount namespace of the broker alone.
/// </summary>
public sealed class NameServiceOutageTests(StagedPrivport privport)
{
    private const string Policy = """
        [[allow]]
        name = "directory-user"
        users = ["nsstest"]
        ports = ["tcp/450"]
        addresses = ["127.0.0.1"]
        """;

    [Fact]
    public async Task Broker_waits_for_a_name_service_that_cannot_answer_and_serves_once_it_does()
    {
        using var host = await OutageHost.CreateAsync();
        File.WriteAllText(host.FailFlag, "");
        await using var broker = host.StartBroker(privport.Executable, Policy);

        await Eventually.WaitUntilAsync(() => broker.Stderr.Contains("cannot be loaded yet", StringComparison.Ordinal) || broker.HasExited,
            "the broker to report the name service outage", context: () => broker.Stderr);
        Assert.False(broker.HasExited, $"the broker gave up on a name service that could not answer:\n{broker.Stderr}");
        Assert.False(File.Exists(host.SocketPath), "the broker listened before its policy loaded");

        File.Delete(host.FailFlag);
        await Eventually.WaitUntilAsync(() => File.Exists(host.SocketPath) || broker.HasExited,
            "the broker to listen once the name service answers", context: () => broker.Stderr);
        Assert.False(broker.HasExited, broker.Stderr);

        // The socket appears just before the line saying what was loaded is written.
        await Eventually.WaitUntilAsync(() => broker.Stderr.Contains("1 rules", StringComparison.Ordinal) || broker.HasExited,
            "the broker to log the policy it loaded", context: () => broker.Stderr);
        Assert.Contains("1 rules", broker.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Broker_refuses_a_user_the_name_service_says_does_not_exist_as_a_policy_error()
    {
        using var host = await OutageHost.CreateAsync();
        await using var broker = host.StartBroker(privport.Executable, Policy.Replace("nsstest", "nosuchuser", StringComparison.Ordinal));

        Assert.Equal(78, await broker.WaitForExitAsync());
        Assert.Contains("unknown user 'nosuchuser'", broker.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Policy_check_during_an_outage_says_so_and_exits_75_without_a_stack_trace()
    {
        using var host = await OutageHost.CreateAsync();
        File.WriteAllText(host.FailFlag, "");
        await using var check = host.Start(privport.Executable, Policy, policyPath => ["policy", "check", policyPath]);

        Assert.Equal(75, await check.WaitForExitAsync());
        Assert.Contains("the name service could not look up", check.Stderr, StringComparison.Ordinal);
        Assert.Contains("try again shortly", check.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", check.Stderr, StringComparison.Ordinal);
    }

    private sealed class OutageHost : IDisposable
    {
        private readonly string _directory;

        private OutageHost(string directory) => _directory = directory;

        public string FailFlag => Path.Combine(_directory, "fail");

        public string SocketPath => Path.Combine(_directory, "broker.sock");

        public static async Task<OutageHost> CreateAsync()
        {
            Privilege.RequireRoot();
            Assert.SkipWhen(RepositoryFiles.FindTool("cc") is null, "needs a C compiler to build the NSS source");
            Assert.SkipWhen(RepositoryFiles.FindTool("unshare") is null, "needs unshare(1) for a private /etc/nsswitch.conf");
            var host = new OutageHost(Directory.CreateTempSubdirectory("privport-nss-").FullName);
            var compile = await Run.AsRootAsync("cc", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC",
                $"-DFAIL_FLAG=\"{host.FailFlag}\"", "-o", Path.Combine(host._directory, "libnss_privporttest.so.2"),
                Path.Combine(AppContext.BaseDirectory, "Broker", "libnss_privporttest.c"));
            Assert.True(compile.ExitCode == 0, compile.ToString());
            File.WriteAllText(Path.Combine(host._directory, "nsswitch.conf"), "passwd: privporttest\ngroup: files\nshadow: files\nhosts: files\n");
            return host;
        }

        public ServiceProcess StartBroker(string privport, string policy) => Start(privport, policy, policyPath =>
            ["serve", "--policy", policyPath, "--socket", SocketPath, "--audit", Path.Combine(_directory, "audit.jsonl")]);

        public ServiceProcess Start(string privport, string policy, Func<string, string[]> verb)
        {
            string policyPath = Path.Combine(_directory, "policy.toml");
            File.WriteAllText(policyPath, policy);
            // glibc finds the source by name (libnss_privporttest.so.2) through LD_LIBRARY_PATH, as dlopen does.
            return ServiceProcess.Start("unshare", [
                "--mount", "--propagation", "private", "--", "sh", "-ec",
                "mount --bind \"$1/nsswitch.conf\" /etc/nsswitch.conf; shift; exec \"$@\"", "sh", _directory,
                privport, .. verb(policyPath),
            ], new Dictionary<string, string?> { ["LD_LIBRARY_PATH"] = _directory });
        }

        public void Dispose() => Directory.Delete(_directory, recursive: true);
    }
}
