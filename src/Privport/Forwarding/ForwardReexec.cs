using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Privport.Client;
using Privport.Interop;
using Privport.Launch;
using static Privport.Interop.Interop.Libc;

namespace Privport.Forwarding;

/// <summary>
/// How a root <c>privport forward</c> becomes its unprivileged self on every thread. The capability bounding set and
/// no_new_privs belong to each thread, and the runtime starts threads (finalizer, signal handling, console logging)
/// before any port is bound: a drop on one thread leaves those with root's bounding set and free to gain privileges
/// through a set-uid execve. So once the ports are bound and this thread has dropped, the process executes itself
/// again (/proc/self/exe, its own arguments, its own pid), and every thread of the new image descends from the
/// dropped one. The listeners cross the execve on descriptors 3, 4, … as socket activation passes them; the
/// <c>--config</c> file's text, read as root, follows on the next descriptor through a pipe, as the user it runs as
/// may not be allowed to read the file.
/// </summary>
internal static class ForwardReexec
{
    /// <summary>Set only across the re-execution, to the number of listeners passed.</summary>
    public const string Variable = "PRIVPORT_FORWARD_LISTENERS";

    private const int MaxConfigBytes = 1024 * 1024;

    /// <summary>
    /// Drops to <paramref name="account"/> and executes this program again with <paramref name="listeners"/> and
    /// <paramref name="configText"/>. Returns only by throwing; the process must then exit.
    /// </summary>
    /// <exception cref="ForwardSetupException">The config text cannot be passed on.</exception>
    /// <exception cref="PrivilegeDropException">The bounding set cannot be emptied (no CAP_SETPCAP).</exception>
    /// <exception cref="SystemCallException">A step failed.</exception>
    public static void Replace(TargetAccount account, IReadOnlyList<ListenerSlot> listeners, string? configText)
    {
        // Read while still root: once dropped, this process's /proc entries may belong to root and not be readable.
        var arguments = CommandLineOfThisProcess();
        var environment = ProcessImage.CurrentEnvironment();
        environment[Variable] = listeners.Count.ToString(CultureInfo.InvariantCulture);

        var passed = new List<SafeHandle>(listeners.Count + 1);
        var names = new List<string>(listeners.Count + 1);
        foreach (var listener in listeners)
        {
            passed.Add(listener.Socket);
            names.Add("forward");
        }

        using var config = configText is null ? null : ConfigPipe(configText);
        if (config is not null)
        {
            passed.Add(config.ReadEnd);
            names.Add("config");
        }

        SocketHandover.Arrange(passed, names, environment);
        PrivilegeDrop.Apply(account);
        ProcessImage.Replace("/proc/self/exe", arguments, environment);
    }

    /// <summary>
    /// What the privileged start passed across the re-execution, or null when this process was started otherwise.
    /// </summary>
    /// <param name="withConfig">Whether the command line has <c>--config</c>, whose text then follows the listeners.</param>
    /// <exception cref="ForwardSetupException">The variable is set, but not by a re-execution of this process.</exception>
    public static InheritedListeners? Take(bool withConfig)
    {
        if (Environment.GetEnvironmentVariable(Variable) is not { } value)
        {
            return null;
        }

        int expected = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int count) && count is > 0 and < 65_536
            ? count + (withConfig ? 1 : 0) : -1;
        bool ours = Environment.GetEnvironmentVariable("LISTEN_PID") == Environment.ProcessId.ToString(CultureInfo.InvariantCulture)
            && Environment.GetEnvironmentVariable("LISTEN_FDS") == expected.ToString(CultureInfo.InvariantCulture);
        foreach (string name in (string[])[Variable, "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"])
        {
            Environment.SetEnvironmentVariable(name, null);
        }

        if (!ours)
        {
            throw new ForwardSetupException($"{Variable} is set, but not by privport forward for this process: it is internal to privport; unset it and start again");
        }

        NameThisProcess();
        var sockets = new SafeFdHandle[count];
        for (int i = 0; i < count; i++)
        {
            sockets[i] = Adopt(ListenFds.FirstDescriptor + i);
        }

        string? configText = null;
        if (withConfig)
        {
            // The writing end closed at execve: the read ends at the end of the text.
            using var text = new SafeFileHandle(ListenFds.FirstDescriptor + count, ownsHandle: true);
            using var stream = new FileStream(text, FileAccess.Read, bufferSize: 0);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            configText = reader.ReadToEnd();
        }

        return new InheritedListeners(sockets, configText);
    }

    /// <summary>
    /// Whether this process runs as <paramref name="account"/> (unless root) with no way back to root, as
    /// <see cref="Replace"/> leaves it.
    /// </summary>
    public static bool IsDroppedTo(TargetAccount account) =>
        !account.IsRoot
        && ProcessCredentials.Uids() == (account.Uid, account.Uid, account.Uid)
        && ProcessCredentials.Gids() == (account.Gid, account.Gid, account.Gid)
        && ProcessCredentials.NoNewPrivileges()
        && !ProcessCredentials.CanRegainRoot();

    /// <summary>
    /// The kernel names a process after the file it executed, here "exe" from /proc/self/exe; ps, top and pgrep show
    /// that name, so it goes back to the program's own (the argv[0] the re-execution kept).
    /// </summary>
    private static unsafe void NameThisProcess()
    {
        string name = Path.GetFileName(CommandLineOfThisProcess()[0]);
        Span<byte> comm = stackalloc byte[16];
        comm.Clear();
        for (int i = 0; i < name.Length && i < 15; i++)
        {
            comm[i] = name[i] is > ' ' and < (char)127 ? (byte)name[i] : (byte)'?';
        }

        fixed (byte* text = comm)
        {
            // Only cosmetic: a refusal leaves the name as the kernel gave it.
            _ = prctl(PR_SET_NAME, (nuint)text, 0, 0, 0);
        }
    }

    private static SafeFdHandle Adopt(int fd)
    {
        var handle = new SafeFdHandle(fd);

        // Passed without close-on-exec, the one way across execve; nothing this process starts should get them.
        if (fcntl(handle, F_SETFD, FD_CLOEXEC) < 0)
        {
            throw SystemCallException.FromLastError($"fcntl F_SETFD on descriptor {fd} passed across the re-execution");
        }

        return handle;
    }

    private static SplicePipe ConfigPipe(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length > MaxConfigBytes)
        {
            throw new ForwardSetupException($"the config file holds {bytes.Length} bytes; privport forward takes at most {MaxConfigBytes}");
        }

        // Nothing reads the pipe before execve, so the whole text must fit in it at once.
        var pipe = SplicePipe.Create(Math.Max(bytes.Length, 4096));
        if (pipe.Capacity < bytes.Length || NonblockingIo.Write(pipe.WriteEnd, bytes) != bytes.Length)
        {
            pipe.Dispose();
            throw new ForwardSetupException($"cannot pass the config file's {bytes.Length} bytes on through a pipe (fs.pipe-max-size); make the file smaller");
        }

        return pipe;
    }

    private static string[] CommandLineOfThisProcess()
    {
        string text = Encoding.UTF8.GetString(File.ReadAllBytes("/proc/self/cmdline"));
        return text.TrimEnd('\0').Split('\0');
    }
}
