using System.CommandLine;
using System.CommandLine.Help;
using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Privport.Commands;

/// <summary>
/// stdout and stderr as plain file streams when they are terminals. System.Console's own streams set the terminal up
/// on their first write, and that set-up writes terminfo's keypad_xmit (<c>ESC[?1h ESC=</c>) to it: bytes nobody
/// asked for, and a keypad left in application mode after privport exits. privport never reads keys, so it never
/// needs that set-up. Redirected streams (pipes, files, the journal's socket) stay as the console opened them.
/// </summary>
internal static class StandardStreams
{
    private const int StandardOutput = 1;
    private const int StandardError = 2;

    /// <summary>Points Console.Out and Console.Error at the plain streams; call before anything writes to either.</summary>
    public static void UsePlainTerminalWriters()
    {
        if (!Console.IsOutputRedirected)
        {
            Console.SetOut(Writer(Terminal(StandardOutput)));
        }

        if (!Console.IsErrorRedirected)
        {
            Console.SetError(Writer(Terminal(StandardError)));
        }
    }

    /// <summary>
    /// Help on a terminal wraps at $COLUMNS, or 80: left to itself it asks Console.WindowWidth, which sets the terminal
    /// up just the same.
    /// </summary>
    public static void FixHelpWidth(Command root)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (Console.IsOutputRedirected)
        {
            return;
        }

        int width = int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), NumberStyles.None, CultureInfo.InvariantCulture, out int columns) && columns is >= 40 and <= 1000
            ? columns
            : 80;
        foreach (var option in root.Options)
        {
            if (option is HelpOption { Action: HelpAction help })
            {
                help.MaxWidth = width;
            }
        }
    }

    /// <summary>stdout as a byte stream, without the console's terminal set-up.</summary>
    public static Stream Output() => Console.IsOutputRedirected ? Console.OpenStandardOutput() : Terminal(StandardOutput);

    /// <summary>stderr as a byte stream, without the console's terminal set-up.</summary>
    public static Stream Error() => Console.IsErrorRedirected ? Console.OpenStandardError() : Terminal(StandardError);

    // Not owned: descriptors 1 and 2 belong to the process and stay open for whatever else writes to them.
#pragma warning disable CA2000 // The FileStream takes the handle, and the handle closes nothing (ownsHandle: false).
    private static FileStream Terminal(int fd) => new(new SafeFileHandle(fd, ownsHandle: false), FileAccess.Write, bufferSize: 0);
#pragma warning restore CA2000

#pragma warning disable CA2000 // The synchronized wrapper owns the writer, and becomes Console.Out or Console.Error for the life of the process.
    private static TextWriter Writer(Stream stream) =>
        TextWriter.Synchronized(new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { AutoFlush = true });
#pragma warning restore CA2000
}
