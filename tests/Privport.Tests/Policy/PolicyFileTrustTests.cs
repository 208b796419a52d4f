using System.Globalization;
using Privport.Policy;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Policy;

/// <summary>
/// Policy files another user could change are refused, as sshd's StrictModes refuses them: owner, mode and file type
/// of every file and of every directory on the way, symbolic links followed.
/// </summary>
public sealed class PolicyFileTrustTests
{
    private const string Rule = "[[allow]]\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\n";
    private const string Grab = "[[allow]]\nusers = [\"*\"]\nports = [\"tcp/1-1023\"]\n";
    private const uint Stranger = 61912;

    private static PolicyLoadException Refused(string path) =>
        Assert.Throws<PolicyLoadException>(() => PolicyLoader.Load(path, new FakeAccountDirectory()));

    [Fact]
    public void World_writable_drop_in_is_refused_naming_it_and_saying_chmod_go_w()
    {
        using var directory = new TempPolicyDirectory();
        string main = directory.Write("policy.toml", Rule);
        string dropIn = directory.Write("policy.d/grab.toml", Grab);
        File.SetUnixFileMode(dropIn, (UnixFileMode)0b110_110_110);

        var error = Assert.Single(Refused(main).Errors);

        Assert.Equal(dropIn, error.File);
        Assert.Contains("mode 0666", error.Message, StringComparison.Ordinal);
        Assert.Contains($"chmod go-w {dropIn}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Group_writable_main_file_is_refused()
    {
        using var directory = new TempPolicyDirectory();
        string main = directory.Write("policy.toml", Rule);
        File.SetUnixFileMode(main, (UnixFileMode)0b110_110_100);

        var error = Assert.Single(Refused(main).Errors);

        Assert.Contains($"chmod go-w {main}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fifo_drop_in_is_refused_at_once_without_being_opened()
    {
        using var directory = new TempPolicyDirectory();
        string main = directory.Write("policy.toml", Rule);
        string fifo = directory.PathOf("policy.d/evil.toml");
        Directory.CreateDirectory(Path.GetDirectoryName(fifo)!);
        MakeFifo(fifo);

        // The old loader blocked in open(2) for a writer that never comes; a thread of its own keeps the test bounded.
        var load = Task.Run(() => Refused(main), TestContext.Current.CancellationToken);
        var refused = await load.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        var error = Assert.Single(refused.Errors);
        Assert.Equal(fifo, error.File);
        Assert.Contains("a FIFO, not a regular file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Drop_in_owned_by_another_user_is_refused_saying_chown_root()
    {
        Privilege.RequireRoot();
        using var directory = new TempPolicyDirectory();
        string main = directory.Write("policy.toml", Rule);
        string dropIn = directory.Write("policy.d/grab.toml", Grab);
        File.SetUnixFileMode(dropIn, (UnixFileMode)0b110_100_100);
        Chown(dropIn, Stranger);

        var error = Assert.Single(Refused(main).Errors);

        Assert.Equal(dropIn, error.File);
        Assert.Contains($"owned by uid {Stranger}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"chown root {dropIn}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Drop_in_directory_writable_by_others_is_refused()
    {
        using var directory = new TempPolicyDirectory();
        string main = directory.Write("policy.toml", Rule);
        directory.Write("policy.d/web.toml", Rule.Replace("80", "81", StringComparison.Ordinal));
        File.SetUnixFileMode(directory.PathOf("policy.d"), (UnixFileMode)0b111_111_111);

        var error = Assert.Single(Refused(main).Errors);

        Assert.Equal(directory.PathOf("policy.d"), error.File);
        Assert.Contains($"chmod go-w {directory.PathOf("policy.d")}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Directory_on_the_way_writable_by_others_is_refused_even_if_the_file_is_fine()
    {
        using var directory = new TempPolicyDirectory();
        string main = directory.Write("etc/privport/policy.toml", Rule);
        File.SetUnixFileMode(directory.PathOf("etc"), (UnixFileMode)0b111_111_111);

        var error = Assert.Single(Refused(main).Errors);

        Assert.Equal(directory.PathOf("etc"), error.File);
        Assert.Contains("another user could replace", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sticky_directory_anyone_may_write_is_accepted_for_an_entry_owned_by_root_but_not_for_a_strangers()
    {
        Privilege.RequireRoot();
        using var directory = new TempPolicyDirectory();
        File.SetUnixFileMode(directory.Root, (UnixFileMode)0b111_111_111 | UnixFileMode.StickyBit);
        string main = directory.Write("policy.toml", Rule);
        Assert.Single(PolicyLoader.Load(main, new FakeAccountDirectory()).Rules);

        string theirs = directory.Write("theirs/policy.toml", Rule);
        Chown(directory.PathOf("theirs"), Stranger);

        var error = Assert.Single(Refused(theirs).Errors);
        Assert.Contains($"owned by uid {Stranger}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Symbolic_link_to_a_policy_elsewhere_loads_and_its_target_is_checked()
    {
        using var directory = new TempPolicyDirectory();
        string target = directory.Write("cm/policy.toml", Rule);
        string link = directory.PathOf("etc/policy.toml");
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        File.CreateSymbolicLink(link, "../cm/policy.toml");

        Assert.Single(PolicyLoader.Load(link, new FakeAccountDirectory()).Rules);

        File.SetUnixFileMode(target, (UnixFileMode)0b110_110_110);
        var error = Assert.Single(Refused(link).Errors);
        Assert.Equal(target, error.File);
    }

    [Fact]
    public void Symbolic_link_in_a_directory_others_may_write_is_refused()
    {
        using var directory = new TempPolicyDirectory();
        directory.Write("cm/policy.toml", Rule);
        string link = directory.PathOf("open/policy.toml");
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        File.CreateSymbolicLink(link, directory.PathOf("cm/policy.toml"));
        File.SetUnixFileMode(directory.PathOf("open"), (UnixFileMode)0b111_111_111);

        var error = Assert.Single(Refused(link).Errors);

        Assert.Equal(directory.PathOf("open"), error.File);
    }

    [Fact]
    public void Symbolic_link_loop_is_an_error_not_a_hang()
    {
        using var directory = new TempPolicyDirectory();
        File.CreateSymbolicLink(directory.PathOf("a.toml"), directory.PathOf("b.toml"));
        File.CreateSymbolicLink(directory.PathOf("b.toml"), directory.PathOf("a.toml"));

        var error = Assert.Single(Refused(directory.PathOf("a.toml")).Errors);

        Assert.Contains("loop", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Files_of_the_uid_loading_them_are_trusted_as_the_broker_trusts_its_own_when_it_runs_unprivileged()
    {
        Privilege.RequireRoot();
        using var directory = new TempPolicyDirectory();
        string main = directory.Write("policy.toml", Rule);
        Chown(directory.Root, Stranger);
        Chown(main, Stranger);

        Assert.Single(PolicyLoader.Load(main, new FakeAccountDirectory(), new PolicyPathCheck(Stranger)).Rules);
        Assert.Throws<PolicyLoadException>(() => PolicyLoader.Load(main, new FakeAccountDirectory(), new PolicyPathCheck(0)));
    }

    internal static void MakeFifo(string path)
    {
        var made = Run.AsRootAsync("mkfifo", path).GetAwaiter().GetResult();
        Assert.True(made.ExitCode == 0, made.ToString());
    }

    internal static void Chown(string path, uint uid)
    {
        var changed = Run.AsRootAsync("chown", uid.ToString(CultureInfo.InvariantCulture), path).GetAwaiter().GetResult();
        Assert.True(changed.ExitCode == 0, changed.ToString());
    }
}
