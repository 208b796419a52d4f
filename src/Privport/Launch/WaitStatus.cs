namespace Privport.Launch;

/// <summary>A waitpid(2) status as a shell reports it: the exit code, or 128 + the signal that killed the process.</summary>
internal static class WaitStatus
{
    public static int ToExitCode(int status)
    {
        int signal = status & 0x7f;
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal;
    }
}
