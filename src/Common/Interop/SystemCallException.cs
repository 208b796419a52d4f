using System.Runtime.InteropServices;

namespace Privport.Interop;

/// <summary>A failed system call: which call, its errno and the system's text for it.</summary>
internal sealed class SystemCallException : IOException
{
    public SystemCallException(string syscall, int errno)
        : base($"{syscall} failed: {Errno.Describe(errno)}")
    {
        Syscall = syscall;
        ErrorNumber = errno;
    }

    public string Syscall { get; }

    public int ErrorNumber { get; }

    /// <summary>Reads errno right after a failed call and throws; the one place errno becomes an exception.</summary>
    public static SystemCallException FromLastError(string syscall) => new(syscall, Marshal.GetLastPInvokeError());
}
