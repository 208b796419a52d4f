namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int EPERM = 1;
        internal const int EEXIST = 17;
        internal const int ENOENT = 2;
        internal const int ESRCH = 3;
        internal const int EINTR = 4;
        internal const int EBADF = 9;
        internal const int EAGAIN = 11;
        internal const int EACCES = 13;
        internal const int EINVAL = 22;
        internal const int ENFILE = 23;
        internal const int EMFILE = 24;
        internal const int ERANGE = 34;
        internal const int ENOTSOCK = 88;
        internal const int ENOPROTOOPT = 92;
        internal const int EPROTOTYPE = 91;
        internal const int EOPNOTSUPP = 95;
        internal const int EAFNOSUPPORT = 97;
        internal const int EADDRINUSE = 98;
        internal const int EADDRNOTAVAIL = 99;
        internal const int EISCONN = 106;
        internal const int ENOTCONN = 107;
        internal const int ETIMEDOUT = 110;
        internal const int ECONNREFUSED = 111;
        internal const int ENODATA = 61;
        internal const int EPIPE = 32;
        internal const int ENETUNREACH = 101;
        internal const int ECONNABORTED = 103;
        internal const int ECONNRESET = 104;
        internal const int EHOSTUNREACH = 113;
        internal const int EINPROGRESS = 115;
    }
}
