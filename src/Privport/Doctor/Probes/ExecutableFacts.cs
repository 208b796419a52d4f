using System.Text;
using Privport.HostFacts;

namespace Privport.Doctor.Probes;

/// <summary>
/// What decides whether file capabilities on a program take effect when it is executed: the real file behind
/// symlinks, whether it is a script (then the interpreter is what exec runs), its security.capability attribute,
/// the mount it lives on, whether it finds libraries through <c>$ORIGIN</c> (ignored in secure-execution mode), and
/// whether it is linked statically (LD_PRELOAD cannot reach it).
/// </summary>
internal sealed record ExecutableFacts(
    string GivenPath,
    string RealPath,
    IReadOnlyList<string> SymlinkChain,
    bool Exists,
    string? Interpreter,
    FileCapabilities? Capabilities,
    string? CapabilityReadError,
    (string MountPoint, bool NoSuid)? Mount,
    bool UsesOriginRunpath,
    bool IsJavaLauncher,
    bool IsStatic = false)
{
    private const int MaxSymlinks = 40;
    private static readonly byte[] Origin = "$ORIGIN"u8.ToArray();

    public bool IsScript => Interpreter is not null;

    public static ExecutableFacts Probe(HostRoot root, string path, MountTable mounts)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(mounts);
        var chain = new List<string>();
        string real = Resolve(root, path, chain);
        string file = root.Path(real);
        if (!File.Exists(file))
        {
            return new ExecutableFacts(path, real, chain, false, null, null, null, mounts.Find(real), false, false);
        }

        string? interpreter = Shebang(file);
        var (value, errno) = ExtendedAttributes.Read(file, ExtendedAttributes.Capability);
        FileCapabilities? capabilities = value is { Length: > 0 } ? FileCapabilities.Decode(value) : null;
        string? error = value is null ? Privport.Interop.Errno.Describe(errno)
            : value.Length > 0 && capabilities is null ? $"the attribute is {value.Length} bytes, not a vfs_cap_data the kernel accepts"
            : null;
        bool java = Path.GetFileName(real) == "java";
        return new ExecutableFacts(path, real, chain, true, interpreter, capabilities, error, mounts.Find(real),
            interpreter is null && ContainsOrigin(file), java, interpreter is null && HostFacts.ElfLinkage.IsStatic(file));
    }

    private static string Resolve(HostRoot root, string path, List<string> chain)
    {
        if (root.Root == "/")
        {
            string real = HostFacts.RealPath.Resolve(path) ?? path;
            string current = path;
            for (int hop = 0; hop < MaxSymlinks && new FileInfo(current).LinkTarget is { } target; hop++)
            {
                current = Path.GetFullPath(target, Path.GetDirectoryName(current)!);
                chain.Add(current);
            }

            return real;
        }

        string host = path;
        for (int hop = 0; hop < MaxSymlinks && new FileInfo(root.Path(host)).LinkTarget is { } target; hop++)
        {
            host = target.StartsWith('/') ? target : Path.GetFullPath(target, Path.GetDirectoryName(host)!);
            chain.Add(host);
        }

        return host;
    }

    private static string? Shebang(string file)
    {
        using var stream = File.OpenRead(file);
        Span<byte> head = stackalloc byte[256];
        int read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (read < 2 || head[0] != '#' || head[1] != '!')
        {
            return null;
        }

        string line = Encoding.UTF8.GetString(head[2..read]).Split('\n')[0].Trim();
        return line.Length > 0 ? line : "(empty #! line)";
    }

    private static bool ContainsOrigin(string file)
    {
        using var stream = File.OpenRead(file);
        byte[] buffer = new byte[Math.Min(stream.Length, 4 << 20)];
        int read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        return buffer.AsSpan(0, read).IndexOf(Origin) >= 0;
    }
}
