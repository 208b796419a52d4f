using Privport.Client;
using Privport.Interop;
using Privport.Commands;
using Privport.Policy;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Policy;

/// <summary>authbind configurations, each file form, carried over to policies that decide as authbind did.</summary>
public sealed class AuthbindImporterTests : IDisposable
{
    private readonly TempPolicyDirectory _authbind = new();
    private readonly Dictionary<string, FileStatus> _owners = new(StringComparer.Ordinal);

    public void Dispose() => _authbind.Dispose();

    private const uint RegularFile = 0x8000;

    private void Add(string relativePath, uint uid, uint gid, uint mode, string text = "") =>
        _owners[_authbind.Write(relativePath, text)] = new FileStatus(RegularFile | mode, uid, gid, Device: 0, Inode: 0, text.Length);

    private (PortPolicy Policy, IReadOnlyList<string> Skipped) Import()
    {
        var (toml, skipped) = new AuthbindImporter(path => _owners[path]).Import(_authbind.Root);
        string policy = _authbind.Write("imported/policy.toml", toml);
        return (PolicyLoader.Load(policy, new FakeAccountDirectory()), skipped);
    }

    private static PeerIdentity Peer(uint uid, params uint[] groups) => new(uid, uid, groups, 1, "/usr/bin/server");

    private static bool Allows(PortPolicy policy, PeerIdentity peer, string endpoint) =>
        policy.Decide(peer, Endpoint.Parse(endpoint), ipv6Only: true).Allowed;

    [Fact]
    public void Byport_file_others_may_execute_grants_everyone_tcp_and_udp_on_any_address()
    {
        Add("byport/80", 0, 0, 0b111_101_101);

        var (policy, _) = Import();

        Assert.True(Allows(policy, Peer(FakeAccountDirectory.Nobody), "tcp/0.0.0.0:80"));
        Assert.True(Allows(policy, Peer(FakeAccountDirectory.Alice), "udp/127.0.0.1:80"));
        Assert.False(Allows(policy, Peer(FakeAccountDirectory.Nobody), "tcp/0.0.0.0:81"));
    }

    [Fact]
    public void Byport_file_with_a_bang_grants_its_group_and_owner_only()
    {
        Add("byport/!600", FakeAccountDirectory.WwwData, FakeAccountDirectory.WebGroup, 0b111_101_000);

        var (policy, _) = Import();

        Assert.True(Allows(policy, Peer(FakeAccountDirectory.WwwData), "tcp/0.0.0.0:600"));
        Assert.True(Allows(policy, Peer(FakeAccountDirectory.Alice, FakeAccountDirectory.WebGroup), "tcp/0.0.0.0:600"));
        Assert.False(Allows(policy, Peer(FakeAccountDirectory.Nobody), "tcp/0.0.0.0:600"));
    }

    [Fact]
    public void Byport_file_only_root_may_execute_is_skipped_with_the_reason()
    {
        Add("byport/443", 0, 0, 0b111_000_000);

        var (policy, skipped) = Import();

        Assert.Empty(policy.Rules);
        Assert.Contains(skipped, reason => reason.Contains("443", StringComparison.Ordinal) && reason.Contains("no one but root", StringComparison.Ordinal));
    }

    [Fact]
    public void Byaddr_files_grant_exactly_their_address_in_both_forms()
    {
        Add("byaddr/127.0.0.1,443", FakeAccountDirectory.Alice, 1001, 0b111_000_000);
        Add("byaddr/10.0.0.1:25", FakeAccountDirectory.Alice, 1001, 0b111_000_000);
        Add("byaddr/::1,53", FakeAccountDirectory.Alice, 1001, 0b111_000_000);

        var (policy, _) = Import();
        var alice = Peer(FakeAccountDirectory.Alice);

        Assert.True(Allows(policy, alice, "tcp/127.0.0.1:443"));
        Assert.False(Allows(policy, alice, "tcp/0.0.0.0:443"));
        Assert.True(Allows(policy, alice, "tcp/10.0.0.1:25"));
        Assert.True(Allows(policy, alice, "udp/[::1]:53"));
        Assert.False(Allows(policy, Peer(FakeAccountDirectory.Nobody), "tcp/127.0.0.1:443"));
    }

    [Fact]
    public void Byaddr_colon_form_is_ipv4_only_as_in_authbind()
    {
        Add("byaddr/::1:53", FakeAccountDirectory.Alice, 1001, 0b111_000_000);

        var (policy, skipped) = Import();

        Assert.Empty(policy.Rules);
        Assert.Single(skipped);
    }

    [Fact]
    public void Byuid_lines_in_every_form_become_rules_for_that_uid()
    {
        Add("byuid/1001", 0, 0, 0b110_100_100, """
            0.0.0.0/0,80
            127.0.0.1-127.0.0.10,100-199
            10.0.0.0/8:25,26
            ::1,53
            """);

        var (policy, skipped) = Import();
        var alice = Peer(FakeAccountDirectory.Alice);

        Assert.Empty(skipped);
        Assert.True(Allows(policy, alice, "tcp/0.0.0.0:80"));
        Assert.True(Allows(policy, alice, "tcp/192.0.2.1:80"));
        Assert.False(Allows(policy, alice, "tcp/[::]:80"));
        Assert.True(Allows(policy, alice, "tcp/127.0.0.5:150"));
        Assert.True(Allows(policy, alice, "tcp/127.0.0.10:199"));
        Assert.False(Allows(policy, alice, "tcp/127.0.0.11:150"));
        Assert.False(Allows(policy, alice, "tcp/127.0.0.5:200"));
        Assert.True(Allows(policy, alice, "udp/10.1.2.3:26"));
        Assert.True(Allows(policy, alice, "tcp/[::1]:53"));
        Assert.False(Allows(policy, Peer(FakeAccountDirectory.Nobody), "tcp/0.0.0.0:80"));
    }

    [Fact]
    public void Byuid_lines_authbind_cannot_parse_are_skipped_and_reported()
    {
        Add("byuid/1001", 0, 0, 0b110_100_100, "# comment\n\nnonsense\n127.0.0.1,99999\n");

        var (policy, skipped) = Import();

        Assert.Empty(policy.Rules);
        Assert.Equal(2, skipped.Count);
        Assert.Contains(skipped, reason => reason.Contains(":3:", StringComparison.Ordinal) && reason.Contains("nonsense", StringComparison.Ordinal));
    }

    [Fact]
    public void A_directory_name_holding_newlines_and_rule_text_stays_a_comment()
    {
        string directory = Path.Combine(_authbind.Root, "authbind\n[[allow]]\nname = \"injected\"\nusers = [\"*\"]\nports = [\"tcp/1-1023\"]\n#");
        Directory.CreateDirectory(directory);
        Add(Path.Combine(Path.GetRelativePath(_authbind.Root, directory), "byport", "80"), FakeAccountDirectory.WwwData, 0, 0b111_000_000);

        var (toml, skipped) = new AuthbindImporter(path => _owners[path]).Import(directory);

        Assert.Empty(skipped);
        var rule = PolicyText.Single(toml, new FakeAccountDirectory());
        Assert.Equal("authbind-byport-80-owner", rule.Name);
        Assert.Equal(FakeAccountDirectory.WwwData, Assert.Single(rule.Users).Id);
    }

    [Fact]
    public void A_file_whose_owner_cannot_be_read_is_skipped_with_the_reason()
    {
        string file = _authbind.Write("byport/80", "");

        var (toml, skipped) = new AuthbindImporter(path => throw new IOException($"statx {path}: Permission denied")).Import(_authbind.Root);

        Assert.Empty(PolicyText.Parse(toml, new FakeAccountDirectory()).Rules);
        string reason = Assert.Single(skipped);
        Assert.StartsWith($"{file}: cannot read its owner and mode (statx {file}: Permission denied)", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task By_default_owners_and_modes_come_from_the_file_system()
    {
        Privilege.RequireRoot();
        string everyone = _authbind.Write("byport/80", "");
        File.SetUnixFileMode(everyone, (UnixFileMode)0b111_101_101);
        string group = _authbind.Write("byport/!600", "");
        File.SetUnixFileMode(group, (UnixFileMode)0b111_101_000);
        File.SetUnixFileMode(_authbind.Write("byport/443", ""), (UnixFileMode)0b111_000_000);
        var chown = await Run.AsRootAsync("chown", $"{FakeAccountDirectory.WwwData}:{FakeAccountDirectory.WebGroup}", group);
        Assert.True(chown.ExitCode == 0, chown.ToString());

        var (toml, skipped) = new AuthbindImporter().Import(_authbind.Root);

        var policy = PolicyLoader.Load(_authbind.Write("imported/policy.toml", toml), new FakeAccountDirectory());
        Assert.True(Allows(policy, Peer(FakeAccountDirectory.Nobody), "tcp/0.0.0.0:80"));
        Assert.True(Allows(policy, Peer(FakeAccountDirectory.WwwData), "tcp/0.0.0.0:600"));
        Assert.True(Allows(policy, Peer(FakeAccountDirectory.Alice, FakeAccountDirectory.WebGroup), "tcp/0.0.0.0:600"));
        Assert.False(Allows(policy, Peer(FakeAccountDirectory.Nobody), "tcp/0.0.0.0:600"));
        Assert.Contains(skipped, reason => reason.Contains("443", StringComparison.Ordinal) && reason.Contains("no one but root", StringComparison.Ordinal));
    }

    [Fact]
    public void Import_command_refuses_a_missing_directory_with_the_usage_code()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int exitCode = new PolicyImportAuthbindCommand().Run("/nonexistent/authbind", stdout, stderr);

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains("/nonexistent/authbind", stderr.ToString(), StringComparison.Ordinal);
    }
}
