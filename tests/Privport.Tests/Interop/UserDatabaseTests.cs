using Privport.Interop;

namespace Privport.Tests.Interop;

/// <summary>Account lookups through the host's name service.</summary>
public sealed class UserDatabaseTests
{
    [Fact]
    public void Root_and_its_group_are_found_by_name()
    {
        Assert.Equal(0u, UserDatabase.FindUser("root")?.Uid);
        Assert.Equal(0u, UserDatabase.FindGid("root"));
    }

    /// <summary>C reads a name only up to a NUL: "root\0x" would otherwise answer for root.</summary>
    [Fact]
    public void A_name_holding_a_nul_names_no_account()
    {
        Assert.Null(UserDatabase.FindUser("root\0x"));
        Assert.Null(UserDatabase.FindUid("root\0x"));
        Assert.Null(UserDatabase.FindGid("root\0x"));
    }
}
