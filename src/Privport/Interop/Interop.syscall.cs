using System.Runtime.InteropServices;

namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // bpf(2) has no glibc wrapper; the number differs per architecture.
        internal static long SYS_bpf => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 280 : 321;

        // syscall(2) is variadic; declared with the fixed arguments bpf(2) takes, which travel in integer registers.
        [LibraryImport(Privport.Interop.Interop.Libc.Name, SetLastError = true)]
        internal static unsafe partial long syscall(long number, int cmd, void* attr, uint size);
    }
}
