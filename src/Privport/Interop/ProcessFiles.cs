using System.Text;
using static Privport.Interop.Interop.Libc;

namespace Privport.Interop;

/// <summary>Reads a symbolic link such as /proc/PID/exe without following it.</summary>
internal static class ProcessFiles
{
    public static unsafe string ReadLink(string path)
    {
        byte* buffer = stackalloc byte[4097];
        nint length = readlink(path, buffer, 4096);
        if (length < 0)
        {
            throw SystemCallException.FromLastError($"readlink {path}");
        }

        return Encoding.UTF8.GetString(buffer, (int)length);
    }
}
