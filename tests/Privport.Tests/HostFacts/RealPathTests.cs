using Privport.Tests.Policy;
using Privport.Policy;
using Privport.HostFacts;

namespace Privport.Tests.HostFacts;

/// <summary>Symlinks resolved as the kernel reports /proc/PID/exe, checked against real links in a scratch directory.</summary>
public sealed class RealPathTests
{
    [Fact]
    public void Path_without_links_is_unchanged()
    {
        using var directory = new TempPolicyDirectory();
        string file = directory.Write("bin/app", "");
        Assert.Equal(file, RealPath.Resolve(file));
    }

    [Fact]
    public void Chain_of_relative_and_absolute_links_resolves_to_the_file()
    {
        using var directory = new TempPolicyDirectory();
        string file = directory.Write("real/app-1.2", "");
        File.CreateSymbolicLink(directory.PathOf("real/app-1"), "app-1.2");
        File.CreateSymbolicLink(directory.PathOf("app"), directory.PathOf("real/app-1"));

        Assert.Equal(file, RealPath.Resolve(directory.PathOf("app")));
    }

    [Fact]
    public void Linked_directory_on_the_way_is_resolved_like_merged_usr()
    {
        using var directory = new TempPolicyDirectory();
        string file = directory.Write("usr/bin/tool", "");
        Directory.CreateSymbolicLink(directory.PathOf("bin"), "usr/bin");

        Assert.Equal(file, RealPath.Resolve(directory.PathOf("bin/tool")));
    }

    [Fact]
    public void Dot_dot_applies_after_the_link_it_follows()
    {
        using var directory = new TempPolicyDirectory();
        string file = directory.Write("a/b/tool", "");
        Directory.CreateSymbolicLink(directory.PathOf("link"), directory.PathOf("a/b/c"));
        Directory.CreateDirectory(directory.PathOf("a/b/c"));

        Assert.Equal(file, RealPath.Resolve(directory.PathOf("link/../tool")));
    }

    [Fact]
    public void Missing_tail_is_kept_after_resolving_what_exists()
    {
        using var directory = new TempPolicyDirectory();
        Directory.CreateDirectory(directory.PathOf("usr/sbin"));
        Directory.CreateSymbolicLink(directory.PathOf("sbin"), "usr/sbin");

        Assert.Equal(directory.PathOf("usr/sbin/not-yet"), RealPath.Resolve(directory.PathOf("sbin//./not-yet")));
    }

    [Fact]
    public void Link_loop_gives_null()
    {
        using var directory = new TempPolicyDirectory();
        File.CreateSymbolicLink(directory.PathOf("a"), "b");
        File.CreateSymbolicLink(directory.PathOf("b"), "a");

        Assert.Null(RealPath.Resolve(directory.PathOf("a")));
    }

    [Fact]
    public void Root_resolves_to_root() => Assert.Equal("/", RealPath.Resolve("/"));
}
