using Privport.Launch;

namespace Privport.Tests.Launch;

/// <summary>Resolving the user privport exec becomes, against this host's user database.</summary>
public sealed class TargetAccountTests
{
    [Theory]
    [InlineData("nobody")]
    [InlineData("65534")]
    public void A_user_resolves_by_name_or_uid_with_its_primary_group(string user)
    {
        Assert.True(TargetAccount.TryResolve(user, null, out var account, out string? error), error);
        Assert.Equal(65534u, account.Uid);
        Assert.Equal("nobody", account.Name);
        Assert.Contains(account.Gid, account.Groups);
        Assert.False(account.IsRoot);
    }

    [Fact]
    public void A_group_replaces_the_primary_group()
    {
        Assert.True(TargetAccount.TryResolve("nobody", "0", out var account, out _));
        Assert.Equal(0u, account.Gid);
        Assert.Contains(0u, account.Groups);
    }

    [Fact]
    public void An_unknown_user_is_named()
    {
        Assert.False(TargetAccount.TryResolve("no-such-user-privport", null, out _, out string? error));
        Assert.Contains("unknown user 'no-such-user-privport'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_uid_without_an_account_needs_a_group()
    {
        Assert.False(TargetAccount.TryResolve("4012345678", null, out _, out string? error));
        Assert.Contains("give --group too", error, StringComparison.Ordinal);
        Assert.True(TargetAccount.TryResolve("4012345678", "65534", out var account, out _));
        Assert.Equal([65534u], account.Groups);
    }

    [Fact]
    public void An_unknown_group_is_named()
    {
        Assert.False(TargetAccount.TryResolve("nobody", "no-such-group-privport", out _, out string? error));
        Assert.Contains("unknown group 'no-such-group-privport'", error, StringComparison.Ordinal);
    }
}
