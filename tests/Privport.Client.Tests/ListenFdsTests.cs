namespace Privport.Client.Tests;

/// <summary>LISTEN_* parsing as sd_listen_fds_with_names does it.</summary>
public sealed class ListenFdsTests
{
    [Fact]
    public void Variables_for_another_pid_are_not_ours() =>
        Assert.Empty(ListenFds.Parse("41", "2", "a:b", ownPid: 42));

    [Fact]
    public void No_LISTEN_PID_means_no_sockets() =>
        Assert.Empty(ListenFds.Parse(null, "2", null, ownPid: 42));

    [Fact]
    public void Names_come_in_descriptor_order() =>
        Assert.Equal(["web", "dns"], ListenFds.Parse("42", "2", "web:dns", ownPid: 42));

    [Fact]
    public void Sockets_without_names_are_unknown() =>
        Assert.Equal(["unknown", "unknown"], ListenFds.Parse("42", "2", null, ownPid: 42));

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("two")]
    [InlineData(null)]
    public void A_bad_count_for_this_process_is_an_error(string? count)
    {
        var error = Assert.Throws<FormatException>(() => ListenFds.Parse("42", count, null, ownPid: 42));
        Assert.Contains("LISTEN_FDS", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_count_that_differs_from_the_descriptor_count_is_an_error()
    {
        var error = Assert.Throws<FormatException>(() => ListenFds.Parse("42", "2", "web", ownPid: 42));
        Assert.Contains("LISTEN_FDNAMES has 1 names but LISTEN_FDS says 2", error.Message, StringComparison.Ordinal);
    }
}
