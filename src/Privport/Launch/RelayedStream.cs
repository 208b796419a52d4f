using Privport.Interop;
using static Privport.Interop.Interop.Libc;

namespace Privport.Launch;

/// <summary>
/// A pipe that replaces a terminal on one or two of the program's descriptors (1, 2) and whose read end this process
/// copies to the terminal. The program can write to the terminal this way, never read from it or send it ioctls.
/// </summary>
internal sealed class RelayedStream : IDisposable
{
    private RelayedStream(SafeFdHandle readEnd, SafeFdHandle writeEnd, int terminal, int[] programDescriptors)
    {
        ReadEnd = readEnd;
        WriteEnd = writeEnd;
        Terminal = terminal;
        ProgramDescriptors = programDescriptors;
    }

    public SafeFdHandle ReadEnd { get; }

    /// <summary>The program's end; closed here once the program has its copies.</summary>
    public SafeFdHandle WriteEnd { get; }

    /// <summary>This process's descriptor that refers to the terminal (1 or 2).</summary>
    public int Terminal { get; }

    /// <summary>The program's descriptors that receive <see cref="WriteEnd"/>.</summary>
    public int[] ProgramDescriptors { get; }

    /// <summary>
    /// One pipe per terminal among descriptors 1 and 2; a single one when both are the same terminal, so the order of
    /// the program's output and error lines is kept.
    /// </summary>
    public static List<RelayedStream> ForTerminalOutput()
    {
        bool output = TerminalIsolation.IsTerminal(1);
        bool error = TerminalIsolation.IsTerminal(2);
        var streams = new List<RelayedStream>(2);
        if (output && error && SameFile(1, 2))
        {
            streams.Add(Create(1, [1, 2]));
        }
        else
        {
            if (output)
            {
                streams.Add(Create(1, [1]));
            }

            if (error)
            {
                streams.Add(Create(2, [2]));
            }
        }

        return streams;
    }

    public void Dispose()
    {
        ReadEnd.Dispose();
        WriteEnd.Dispose();
    }

    private static unsafe RelayedStream Create(int terminal, int[] programDescriptors)
    {
        int* ends = stackalloc int[2];
        if (pipe2(ends, O_CLOEXEC) < 0)
        {
            throw SystemCallException.FromLastError("pipe2");
        }

        return new RelayedStream(new SafeFdHandle(ends[0]), new SafeFdHandle(ends[1]), terminal, programDescriptors);
    }

    private static bool SameFile(int first, int second)
    {
        try
        {
            return ProcessFiles.ReadLink($"/proc/self/fd/{first}") == ProcessFiles.ReadLink($"/proc/self/fd/{second}");
        }
        catch (SystemCallException)
        {
            return false;
        }
    }
}
