using Microsoft.Extensions.Logging.Abstractions;
using Privport.Broker;
using Privport.Client;
using Privport.Policy;

namespace Privport.Tests.Policy;

/// <summary>
/// A denial names the user, but a denial flood must not become one NSS (LDAP, sssd) lookup per request: user names
/// are cached per policy for a minute.
/// </summary>
public sealed class CachingAccountDirectoryTests
{
    [Fact]
    public void A_thousand_denials_of_one_uid_look_its_name_up_once_until_it_expires_or_the_policy_reloads()
    {
        using var directory = new TempPolicyDirectory();
        string path = directory.Write("policy.toml", "[[allow]]\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\n");
        var accounts = new CountingAccountDirectory(new FakeAccountDirectory());
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
        var store = new PolicyStore(path, accounts, NullLogger.Instance, clock);
        var alice = new PeerIdentity(FakeAccountDirectory.Alice, 1001, [], 4242, "/usr/bin/flood");
        var stranger = new PeerIdentity(4242, 4242, [], 4243, "/usr/bin/flood");
        int atStart = accounts.UserLookups;

        for (int i = 0; i < 1000; i++)
        {
            Assert.Contains("alice", store.Current.Decide(alice, Endpoint.Parse("tcp/127.0.0.1:80"), ipv6Only: false).Reason, StringComparison.Ordinal);
            Assert.False(store.Current.Decide(stranger, Endpoint.Parse("tcp/127.0.0.1:81"), ipv6Only: false).Allowed);
        }

        Assert.Equal(atStart + 2, accounts.UserLookups);

        clock.Advance(CachingAccountDirectory.Lifetime);
        store.Current.Decide(alice, Endpoint.Parse("tcp/127.0.0.1:80"), ipv6Only: false);
        Assert.Equal(atStart + 3, accounts.UserLookups);

        Assert.True(store.Reload());
        int afterReload = accounts.UserLookups;
        store.Current.Decide(alice, Endpoint.Parse("tcp/127.0.0.1:80"), ipv6Only: false);
        store.Current.Decide(alice, Endpoint.Parse("tcp/127.0.0.1:80"), ipv6Only: false);
        Assert.Equal(afterReload + 1, accounts.UserLookups);
    }

    [Fact]
    public void The_cache_holds_at_most_its_capacity()
    {
        var accounts = new CountingAccountDirectory(new FakeAccountDirectory());
        var cache = new CachingAccountDirectory(accounts, new ManualClock(DateTimeOffset.UnixEpoch));
        for (uint uid = 100_000; uid < 100_000 + CachingAccountDirectory.Capacity + 10; uid++)
        {
            cache.FindUser(uid);
        }

        cache.FindUser(100_000);

        Assert.Equal(CachingAccountDirectory.Capacity + 11, accounts.UserLookups);
    }

    private sealed class CountingAccountDirectory(IAccountDirectory inner) : IAccountDirectory
    {
        public int UserLookups { get; private set; }

        public UserAccount? FindUser(uint uid)
        {
            UserLookups++;
            return inner.FindUser(uid);
        }

        public uint? FindUid(string userName) => inner.FindUid(userName);

        public uint? FindGid(string groupName) => inner.FindGid(groupName);

        public string? FindGroupName(uint gid) => inner.FindGroupName(gid);

        public IReadOnlyList<uint> GroupsOf(string userName, uint primaryGid) => inner.GroupsOf(userName, primaryGid);

        public IReadOnlyList<string> MemberNamesOf(uint gid) => inner.MemberNamesOf(gid);
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        private DateTimeOffset _now = now;

        public void Advance(TimeSpan by) => _now += by;

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
