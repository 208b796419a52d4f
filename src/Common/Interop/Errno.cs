using System.Runtime.InteropServices;
using static Privport.Interop.Interop.Libc;

namespace Privport.Interop;

/// <summary>Names and texts of errno values, as a Linux admin reads them: <c>EACCES (13): Permission denied</c>.</summary>
internal static class Errno
{
    public static string Name(int errno) => errno switch
    {
        EPERM => "EPERM",
        ENOENT => "ENOENT",
        ESRCH => "ESRCH",
        EINTR => "EINTR",
        EBADF => "EBADF",
        EAGAIN => "EAGAIN",
        EACCES => "EACCES",
        EEXIST => "EEXIST",
        EINVAL => "EINVAL",
        ERANGE => "ERANGE",
        ENOTSOCK => "ENOTSOCK",
        EPROTOTYPE => "EPROTOTYPE",
        EOPNOTSUPP => "EOPNOTSUPP",
        EAFNOSUPPORT => "EAFNOSUPPORT",
        EADDRINUSE => "EADDRINUSE",
        EADDRNOTAVAIL => "EADDRNOTAVAIL",
        EISCONN => "EISCONN",
        ENOTCONN => "ENOTCONN",
        ETIMEDOUT => "ETIMEDOUT",
        ECONNREFUSED => "ECONNREFUSED",
        EPIPE => "EPIPE",
        ENETUNREACH => "ENETUNREACH",
        ECONNABORTED => "ECONNABORTED",
        ECONNRESET => "ECONNRESET",
        EHOSTUNREACH => "EHOSTUNREACH",
        EINPROGRESS => "EINPROGRESS",
        _ => "errno",
    };

    public static string Describe(int errno) => $"{Name(errno)} ({errno}): {Marshal.GetPInvokeErrorMessage(errno)}";
}
