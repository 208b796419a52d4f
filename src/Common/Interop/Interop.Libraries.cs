namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const string Name = "libc.so.6";
    }
}
