namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int AF_UNIX = 1;
        internal const int AF_INET = 2;
        internal const int AF_INET6 = 10;
        internal const int SOCK_STREAM = 1;
        internal const int SOCK_DGRAM = 2;
        internal const int SOCK_SEQPACKET = 5;
        internal const int SOCK_CLOEXEC = 0x80000;
        internal const int IPPROTO_IP = 0;
        internal const int IPPROTO_TCP = 6;
        internal const int IPPROTO_UDP = 17;
        internal const int IPPROTO_IPV6 = 41;

        internal const int SOL_SOCKET = 1;
        internal const int SO_REUSEADDR = 2;
        internal const int SO_TYPE = 3;
        internal const int SO_REUSEPORT = 15;
        internal const int SO_PEERCRED = 17;
        internal const int SO_RCVTIMEO = 20;
        internal const int SO_SNDTIMEO = 21;
        internal const int SO_ACCEPTCONN = 30;
        internal const int SO_PROTOCOL = 38;
        internal const int SO_DOMAIN = 39;
        internal const int SO_PEERGROUPS = 59;
        internal const int SO_NETNS_COOKIE = 71;
        internal const int SO_PEERPIDFD = 77;
        internal const int SCM_RIGHTS = 1;
        internal const int IP_FREEBIND = 15;
        internal const int IPV6_V6ONLY = 26;

        internal const int MSG_PEEK = 0x02;
        internal const int MSG_TRUNC = 0x20;
        internal const int MSG_CTRUNC = 0x08;
        internal const int MSG_DONTWAIT = 0x40;
        internal const int MSG_NOSIGNAL = 0x4000;
        internal const int MSG_CMSG_CLOEXEC = 0x40000000;

        internal const int SOCK_NONBLOCK = 0x800;
        internal const int SO_ERROR = 4;
        internal const int TCP_NODELAY = 1;
    }
}
