using System.Net.Sockets;
using System.Text;
using Privport.Interop;
using static Privport.Interop.Interop.Libc;

namespace Privport.Kernel;

/// <summary>
/// Loads a grant program. The first attempt runs without a verifier log (cheap); only when the kernel refuses does
/// a second attempt collect the log, whose tail goes into the error as it is: its wording is never interpreted.
/// </summary>
internal static class GrantProgramLoader
{
    private const int LogSize = 1 << 20;
    private const int LogTail = 3000;

    public static SafeFdHandle Load(
        AddressFamily family, SafeFdHandle grants, SafeFdHandle events, SafeFdHandle dropped, uint scopeNumber, bool wakeReader)
    {
        var program = GrantProgram.Build(family, grants.Fd, events.Fd, dropped.Fd, scopeNumber, wakeReader);
        byte[] code = BpfInstruction.Encode(program);
        uint attachType = family == AddressFamily.InterNetwork ? BPF_CGROUP_INET4_BIND : BPF_CGROUP_INET6_BIND;
        string name = $"privport_{PinLayout.ProgramName(family)}";
        int fd = BpfSystemCall.ProgLoad(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, attachType, code, name, [], out int errno);
        if (fd < 0)
        {
            byte[] log = new byte[LogSize];
            fd = BpfSystemCall.ProgLoad(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, attachType, code, name, log, out errno);
            if (fd < 0)
            {
                throw new KernelGrantException(
                    $"The kernel refused privport's {name} program ({program.Count} instructions): "
                    + $"{Errno.Describe(errno)}. Kernel grants need Linux 5.12 or later with cgroup BPF; use privport wrap, "
                    + $"privport exec or the broker instead. Verifier log (end):\n{Tail(log)}");
            }
        }

        GC.KeepAlive(grants);
        GC.KeepAlive(events);
        GC.KeepAlive(dropped);
        return new SafeFdHandle(fd);
    }

    private static string Tail(byte[] log)
    {
        int length = Array.IndexOf(log, (byte)0);
        length = length < 0 ? log.Length : length;
        int start = Math.Max(0, length - LogTail);
        return Encoding.UTF8.GetString(log, start, length - start);
    }
}
