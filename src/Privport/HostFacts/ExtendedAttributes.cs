using System.Runtime.InteropServices;
using static Privport.Interop.Interop.Libc;

namespace Privport.HostFacts;

/// <summary>Reads <c>security.capability</c> with getxattr(2), which follows symlinks as exec does.</summary>
internal static class ExtendedAttributes
{
    public const string Capability = "security.capability";

    /// <summary>The attribute's bytes, an empty array when the file has none (ENODATA), or the errno of another failure.</summary>
    public static unsafe (byte[]? Value, int Errno) Read(string path, string name)
    {
        byte* buffer = stackalloc byte[64];
        nint length = getxattr(path, name, buffer, 64);
        if (length < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno == ENODATA ? ([], 0) : (null, errno);
        }

        return (new ReadOnlySpan<byte>(buffer, (int)length).ToArray(), 0);
    }
}
