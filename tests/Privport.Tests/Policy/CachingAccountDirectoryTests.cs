using Microsoft.Extensions.Logging.Abstractions;
using Privport.Broker;
using Privport.Client;
using Privport.Policy;

namespace Privport.Tests.Policy;

/// <summary>
/// A denial must not become an NSS (LDAP, sssd) lookup on the serving thread: a reason names only the users the
/// policy itself names, as resolved when it loaded. The cache keeps repeated lookups of one uid off NSS.
/// </summary>
public sealed class CachingAccountDirectoryTests
{
    [Fact]
    public void A_thousand_denials_ask_the_name_service_nothing_and_name_the_users_the_policy_names()
    {
        using var directory = new TempPolicyDirectory();
        string path = directory.Write("policy.toml", "[[allow]]\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\n");
        var accounts = new CountingAccountDirectory(new FakeAccountDirectory());
        var store = new PolicyStore(path, accounts, NullLogger.Instance, new ManualClock(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero)));
        var wwwData = new PeerIdentity(FakeAccountDirectory.WwwData, 33, [], 4241, "/usr/bin/flood");
        var alice = new PeerIdentity(FakeAccountDirectory.Alice, 1001, [], 4242, "/usr/bin/flood");
        accounts.Outage = true;

        for (int i = 0; i < 1000; i++)
        {
            Assert.Contains("www-data", store.Current.Decide(wwwData, Endpoint.Parse("tcp/127.0.0.1:81"), ipv6Only: false).Reason, StringComparison.Ordinal);
            Assert.Contains("uid 1001", store.Current.Decide(alice, Endpoint.Parse("tcp/127.0.0.1:80"), ipv6Only: false).Reason, StringComparison.Ordinal);
        }

        Assert.Equal(0, accounts.LookupsDuringOutage);
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

        /// <summary>While set, every lookup counts and fails as a name service that cannot answer does.</summary>
        public bool Outage { get; set; }

        public int LookupsDuringOutage { get; private set; }

        public UserAccount? FindUser(uint uid)
        {
            UserLookups++;
            return Ask(() => inner.FindUser(uid));
        }

        public uint? FindUid(string userName) => Ask(() => inner.FindUid(userName));

        public uint? FindGid(string groupName) => Ask(() => inner.FindGid(groupName));

        public string? FindGroupName(uint gid) => Ask(() => inner.FindGroupName(gid));

        public IReadOnlyList<uint> GroupsOf(string userName, uint primaryGid) => Ask(() => inner.GroupsOf(userName, primaryGid));

        public IReadOnlyList<string> MemberNamesOf(uint gid) => Ask(() => inner.MemberNamesOf(gid));

        private T Ask<T>(Func<T> lookUp)
        {
            if (Outage)
            {
                LookupsDuringOutage++;
                throw new NameServiceUnavailableException("a test account", new IOException("EIO"));
            }

            return lookUp();
        }
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        private DateTimeOffset _now = now;

        public void Advance(TimeSpan by) => _now += by;

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
