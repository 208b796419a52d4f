using System.Runtime.InteropServices;

namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int SO_LINGER = 13;

        /// <summary>struct linger: l_onoff set with l_linger 0 makes close(2) send RST instead of FIN.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct linger
        {
            public int l_onoff;
            public int l_linger;
        }
    }
}
