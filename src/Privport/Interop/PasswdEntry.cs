using System.Globalization;
using System.Runtime.InteropServices;
using static Privport.Interop.Interop.Libc;

namespace Privport.Interop;

/// <summary>The fields of a passwd entry privport uses, copied out of NSS's buffer.</summary>
internal readonly record struct PasswdEntry(string Name, uint Uid, uint Gid, string Home, string Shell)
{
    public static unsafe PasswdEntry From(in passwd entry) => new(
        Marshal.PtrToStringUTF8((nint)entry.pw_name) ?? entry.pw_uid.ToString(CultureInfo.InvariantCulture),
        entry.pw_uid,
        entry.pw_gid,
        Marshal.PtrToStringUTF8((nint)entry.pw_dir) ?? "/",
        Marshal.PtrToStringUTF8((nint)entry.pw_shell) is { Length: > 0 } shell ? shell : "/bin/sh");
}
