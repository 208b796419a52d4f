using System.Runtime.InteropServices;

namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct passwd
        {
            public byte* pw_name;
            public byte* pw_passwd;
            public uint pw_uid;
            public uint pw_gid;
            public byte* pw_gecos;
            public byte* pw_dir;
            public byte* pw_shell;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct group
        {
            public byte* gr_name;
            public byte* gr_passwd;
            public uint gr_gid;
            public byte** gr_mem;
        }

        // The _r functions return the error number instead of setting errno.
        [LibraryImport(Name, StringMarshalling = StringMarshalling.Utf8)]
        internal static unsafe partial int getpwnam_r(string name, passwd* pwd, byte* buf, nuint buflen, passwd** result);

        [LibraryImport(Name)]
        internal static unsafe partial int getpwuid_r(uint uid, passwd* pwd, byte* buf, nuint buflen, passwd** result);

        [LibraryImport(Name, StringMarshalling = StringMarshalling.Utf8)]
        internal static unsafe partial int getgrnam_r(string name, group* grp, byte* buf, nuint buflen, group** result);

        [LibraryImport(Name)]
        internal static unsafe partial int getgrgid_r(uint gid, group* grp, byte* buf, nuint buflen, group** result);

        [LibraryImport(Name, StringMarshalling = StringMarshalling.Utf8)]
        internal static unsafe partial int getgrouplist(string user, uint group, uint* groups, int* ngroups);
    }
}
