using System.Runtime.InteropServices;
using Privport.Interop;
using static Privport.Interop.Interop.Libc;

namespace Privport.Launch;

/// <summary>
/// Runs this very command again in a session of its own, with stdin from /dev/null and a pipe instead of each
/// terminal on descriptors 1 and 2, then stays behind as root to copy that output to the terminal, forward SIGINT,
/// SIGTERM, SIGHUP and SIGQUIT, and exit with the program's status (128 + the signal when one killed it). The copy
/// finds no terminal, so it detaches in place and execs the program, which keeps its pid (LISTEN_PID holds).
/// This process stays root, so the program, once it is another user, can neither signal nor ptrace it.
/// </summary>
internal static class SessionRelay
{
    private const int ChunkSize = 65536;

    // Output still queued when the program exits is copied, but a descendant that keeps the pipe open and keeps
    // writing must not hold this process forever.
    private const int DrainLimit = 64;

    private static readonly (PosixSignal Signal, int Number)[] Forwarded =
        [(PosixSignal.SIGINT, 2), (PosixSignal.SIGTERM, 15), (PosixSignal.SIGHUP, 1), (PosixSignal.SIGQUIT, 3)];

    /// <returns>The program's exit code.</returns>
    /// <exception cref="SystemCallException">The copy could not be started or watched.</exception>
    public static int Run()
    {
        string[] arguments = Environment.GetCommandLineArgs();
        var argv = new string?[arguments.Length + 1];
        argv[0] = Environment.ProcessPath ?? arguments[0];
        Array.Copy(arguments, 1, argv, 1, arguments.Length - 1);
        var envp = new List<string?>();
        foreach (var (name, value) in ProcessImage.CurrentEnvironment())
        {
            envp.Add($"{name}={value}");
        }

        envp.Add(null);

        var streams = RelayedStream.ForTerminalOutput();
        // Handlers go in before the copy starts: a Ctrl-C typed while it starts is held and forwarded once it runs,
        // rather than reaching a relay that is not listening yet.
        var target = new SignalTarget();
        var registrations = new List<PosixSignalRegistration>(Forwarded.Length);
        SafeFdHandle? program = null;
        try
        {
            foreach (var (signal, number) in Forwarded)
            {
                registrations.Add(PosixSignalRegistration.Create(signal, context =>
                {
                    context.Cancel = true;
                    target.Send(number);
                }));
            }

            // /proc/self/exe: this binary even if its path was replaced since it started.
            int pid = DetachedSpawn.Start("/proc/self/exe", argv, [.. envp], TerminalIsolation.IsTerminal(0), streams);
            foreach (var stream in streams)
            {
                stream.WriteEnd.Dispose();
            }

            program = OpenPidfd(pid);
            target.Attach(program);
            Copy(streams, program);
            return WaitStatus.ToExitCode(Reap(pid));
        }
        finally
        {
            foreach (var registration in registrations)
            {
                registration.Dispose();
            }

            program?.Dispose();
            foreach (var stream in streams)
            {
                stream.Dispose();
            }
        }
    }

    /// <summary>Where forwarded signals go: held until the program's pidfd exists, then sent to it.</summary>
    private sealed class SignalTarget
    {
        private readonly Lock _gate = new();
        private readonly List<int> _pending = [];
        private SafeFdHandle? _program;

        public void Send(int signal)
        {
            lock (_gate)
            {
                if (_program is null)
                {
                    _pending.Add(signal);
                    return;
                }

                Forward(_program, signal);
            }
        }

        public void Attach(SafeFdHandle program)
        {
            lock (_gate)
            {
                _program = program;
                foreach (int signal in _pending)
                {
                    Forward(program, signal);
                }

                _pending.Clear();
            }
        }
    }

    private static unsafe void Forward(SafeFdHandle program, int signal)
    {
        // ESRCH once the program has exited: nothing left to tell.
        _ = pidfd_send_signal(program, signal, null, 0);
    }

    private static unsafe void Copy(List<RelayedStream> streams, SafeFdHandle program)
    {
        var open = new List<RelayedStream>(streams);
        var broken = new HashSet<int>();
        byte[] chunk = new byte[ChunkSize];
        pollfd* watched = stackalloc pollfd[3];
        while (true)
        {
            watched[0] = new pollfd { fd = program.Fd, events = (short)POLLIN };
            for (int i = 0; i < open.Count; i++)
            {
                watched[i + 1] = new pollfd { fd = open[i].ReadEnd.Fd, events = (short)POLLIN };
            }

            if (poll(watched, (nuint)(open.Count + 1), -1) < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == EINTR)
                {
                    continue;
                }

                throw new SystemCallException("poll", errno);
            }

            bool exited = watched[0].revents != 0;
            for (int i = open.Count - 1; i >= 0; i--)
            {
                if (watched[i + 1].revents != 0 && !CopyOnce(open[i], chunk, broken))
                {
                    open.RemoveAt(i);
                }
            }

            if (exited)
            {
                Drain(open, chunk, broken);
                return;
            }
        }
    }

    private static unsafe void Drain(List<RelayedStream> open, byte[] chunk, HashSet<int> broken)
    {
        foreach (var stream in open)
        {
            for (int round = 0; round < DrainLimit; round++)
            {
                var ready = new pollfd { fd = stream.ReadEnd.Fd, events = (short)POLLIN };
                if (poll(&ready, 1, 0) <= 0 || !CopyOnce(stream, chunk, broken))
                {
                    break;
                }
            }
        }
    }

    /// <returns>False at end of file or on a read error: the stream is done.</returns>
    private static unsafe bool CopyOnce(RelayedStream stream, byte[] chunk, HashSet<int> broken)
    {
        nint count;
        fixed (byte* buffer = chunk)
        {
            do
            {
                count = read(stream.ReadEnd, buffer, (nuint)chunk.Length);
            }
            while (count < 0 && Marshal.GetLastPInvokeError() == EINTR);
        }

        if (count <= 0)
        {
            return false;
        }

        // A terminal that hung up takes no more output; the program's writes are still read so it never blocks.
        if (!broken.Contains(stream.Terminal) && !WriteAll(stream.Terminal, chunk.AsSpan(0, (int)count)))
        {
            broken.Add(stream.Terminal);
        }

        return true;
    }

    private static unsafe bool WriteAll(int terminal, ReadOnlySpan<byte> data)
    {
        // ownsHandle: false: descriptors 1 and 2 belong to the process, not to this copy loop.
        using var fd = new SafeFdHandle(terminal, ownsHandle: false);
        fixed (byte* start = data)
        {
            int done = 0;
            while (done < data.Length)
            {
                nint written = write(fd, start + done, (nuint)(data.Length - done));
                if (written < 0)
                {
                    if (Marshal.GetLastPInvokeError() == EINTR)
                    {
                        continue;
                    }

                    return false;
                }

                done += (int)written;
            }
        }

        return true;
    }

    private static SafeFdHandle OpenPidfd(int pid)
    {
        int fd = pidfd_open(pid, 0);
        return fd >= 0 ? new SafeFdHandle(fd) : throw SystemCallException.FromLastError($"pidfd_open {pid}");
    }

    private static unsafe int Reap(int pid)
    {
        int status;
        while (waitpid(pid, &status, 0) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != EINTR)
            {
                throw new SystemCallException($"waitpid {pid}", errno);
            }
        }

        return status;
    }
}
