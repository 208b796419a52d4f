namespace Privport.Policy;

/// <summary>
/// Remembers <see cref="IAccountDirectory.FindUser"/> answers, found or not, for <see cref="Lifetime"/>, so a
/// caller asking about the same uid again does not go back to NSS (LDAP, sssd). Deny reasons do not ask at all: they
/// use the names the policy was written with. At most <see cref="Capacity"/> uids are kept; a full cache starts over. The other lookups, made while a
/// policy loads, pass straight through.
/// </summary>
internal sealed class CachingAccountDirectory : IAccountDirectory
{
    public const int Capacity = 1024;
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

    private readonly IAccountDirectory _inner;
    private readonly TimeProvider _clock;
    private readonly Dictionary<uint, (UserAccount? Account, DateTimeOffset Expires)> _users = [];
    private readonly Lock _gate = new();

    public CachingAccountDirectory(IAccountDirectory inner, TimeProvider clock)
    {
        _inner = inner;
        _clock = clock;
    }

    public UserAccount? FindUser(uint uid)
    {
        var now = _clock.GetUtcNow();
        lock (_gate)
        {
            if (_users.TryGetValue(uid, out var cached) && cached.Expires > now)
            {
                return cached.Account;
            }
        }

        // Outside the lock: a slow directory delays this caller only.
        var account = _inner.FindUser(uid);
        lock (_gate)
        {
            if (_users.Count >= Capacity && !_users.ContainsKey(uid))
            {
                _users.Clear();
            }

            _users[uid] = (account, now + Lifetime);
        }

        return account;
    }

    public uint? FindUid(string userName) => _inner.FindUid(userName);

    public uint? FindGid(string groupName) => _inner.FindGid(groupName);

    public string? FindGroupName(uint gid) => _inner.FindGroupName(gid);

    public IReadOnlyList<uint> GroupsOf(string userName, uint primaryGid) => _inner.GroupsOf(userName, primaryGid);

    public IReadOnlyList<string> MemberNamesOf(uint gid) => _inner.MemberNamesOf(gid);
}
