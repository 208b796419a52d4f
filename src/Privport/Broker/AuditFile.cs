using System.Globalization;
using System.Runtime.InteropServices;
using Privport.Interop;
using static Privport.Interop.Interop.Libc;

namespace Privport.Broker;

/// <summary>
/// The <c>--audit</c> file, opened O_APPEND so every line lands at the current end even after logrotate's
/// copytruncate (no sparse hole), created 0600 whatever the umask (denials name other users' programs and ports),
/// never through a symbolic link, and only if it is the broker's own regular file (or a character device such as
/// /dev/null).
/// </summary>
internal sealed class AuditFile : IDisposable
{
    private const uint CreateMode = 0x180; // 0600
    private const uint NotForOthers = 0x17; // S_IWGRP | S_IRWXO: what a 0600 or 0640 file may not have

    private readonly SafeFdHandle _fd;

    private AuditFile(string path, SafeFdHandle fd, string? tightened)
    {
        Path = path;
        _fd = fd;
        Tightened = tightened;
    }

    public string Path { get; }

    /// <summary>Set when an existing file others could read or write was made private on open: what was done.</summary>
    public string? Tightened { get; }

    /// <exception cref="AuditFileException">The file is not a regular file of the broker's, or open fails.</exception>
    public static AuditFile Open(string path)
    {
        bool exists = FileStatus.TryRead(path, followSymbolicLink: false, out var existing, out _);
        if (exists && existing.IsCharacterDevice)
        {
            return OpenDevice(path);
        }

        if (exists && !existing.IsRegularFile)
        {
            throw new AuditFileException(existing.IsSymbolicLink
                ? $"the audit file {path} is a symbolic link, which privport does not follow (it could point anywhere); give --audit the real path"
                : $"the audit file {path} is {existing.Kind}, not a regular file; remove it or give --audit another path");
        }

        var fd = PosixFile.TryOpen(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, CreateMode, out int errno)
            ?? throw new AuditFileException($"cannot open the audit file {path}: {Errno.Describe(errno)}; give --audit a path in a directory the broker can write");
        try
        {
            var opened = FileStatus.Read(fd);
            uint broker = geteuid();
            if (!opened.IsRegularFile)
            {
                throw new AuditFileException($"the audit file {path} is {opened.Kind}, not a regular file; remove it or give --audit another path");
            }

            if (opened.Uid != broker)
            {
                throw new AuditFileException(string.Create(CultureInfo.InvariantCulture,
                    $"the audit file {path} belongs to uid {opened.Uid}, not to uid {broker} that the broker runs as, so its owner could rewrite the record; run: chown {broker} {path} (or remove it and privport creates it)"));
            }

            string? tightened = null;
            if ((opened.Mode & NotForOthers) != 0)
            {
                uint mode = opened.Mode & 0x1FF & ~NotForOthers;
                if (fchmod(fd, mode) != 0)
                {
                    throw new AuditFileException($"the audit file {path} is readable or writable by others (mode {opened.OctalPermissions}) and fchmod failed: {Errno.Describe(Marshal.GetLastPInvokeError())}; run: chmod 0600 {path}");
                }

                tightened = $"the audit file {path} was readable or writable by others (mode {opened.OctalPermissions}); privport made it {Octal(mode)}, since audit lines name other users' programs and ports";
            }

            return new AuditFile(path, fd, tightened);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    // A character device such as /dev/null is root's choice of sink: written as it is, its owner and mode left alone.
    private static AuditFile OpenDevice(string path)
    {
        var fd = PosixFile.TryOpen(path, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0, out int errno)
            ?? throw new AuditFileException($"cannot open the audit device {path}: {Errno.Describe(errno)}; give --audit another path");
        if (!FileStatus.Read(fd).IsCharacterDevice)
        {
            fd.Dispose();
            throw new AuditFileException($"the audit file {path} changed while it was opened; start the broker again");
        }

        return new AuditFile(path, fd, null);
    }

    /// <summary>Appends <paramref name="line"/> with one write(2); 0 or the errno it failed with.</summary>
    public int Append(ReadOnlySpan<byte> line) => PosixFile.WriteAll(_fd, line);

    public void Dispose() => _fd.Dispose();

    private static string Octal(uint mode) => "0" + Convert.ToString(mode, 8).PadLeft(3, '0');
}
