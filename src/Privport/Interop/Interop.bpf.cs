namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // enum bpf_cmd, include/uapi/linux/bpf.h
        internal const int BPF_MAP_CREATE = 0;
        internal const int BPF_MAP_LOOKUP_ELEM = 1;
        internal const int BPF_MAP_UPDATE_ELEM = 2;
        internal const int BPF_MAP_DELETE_ELEM = 3;
        internal const int BPF_MAP_GET_NEXT_KEY = 4;
        internal const int BPF_PROG_LOAD = 5;
        internal const int BPF_OBJ_PIN = 6;
        internal const int BPF_OBJ_GET = 7;
        internal const int BPF_PROG_ATTACH = 8;
        internal const int BPF_PROG_DETACH = 9;
        internal const int BPF_OBJ_GET_INFO_BY_FD = 15;
        internal const int BPF_PROG_QUERY = 16;
        internal const int BPF_LINK_CREATE = 28;

        // enum bpf_map_type
        internal const uint BPF_MAP_TYPE_ARRAY = 2;
        internal const uint BPF_MAP_TYPE_LPM_TRIE = 11;
        internal const uint BPF_MAP_TYPE_RINGBUF = 27;

        internal const uint BPF_PROG_TYPE_CGROUP_SOCK_ADDR = 18;
        internal const uint BPF_CGROUP_INET4_BIND = 8;
        internal const uint BPF_CGROUP_INET6_BIND = 9;

        internal const uint BPF_F_NO_PREALLOC = 1;
        internal const uint BPF_F_ALLOW_MULTI = 2;
        internal const ulong BPF_ANY = 0;

        // union bpf_attr is at most a few hundred bytes; the kernel requires unknown tail bytes to be zero.
        internal const int BpfAttrSize = 144;
    }
}
