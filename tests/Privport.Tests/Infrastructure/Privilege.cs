using Privport.Interop;

namespace Privport.Tests.Infrastructure;

/// <summary>Integration tests run for real as root (CI is root); elsewhere they are skipped, saying why.</summary>
public static class Privilege
{
    public static string Setpriv => SetprivProcess.FindSetpriv() ?? throw new InvalidOperationException("setpriv missing");

    public static void RequireRoot()
    {
        Assert.SkipUnless(Privport.Interop.Interop.Libc.geteuid() == 0,
            "needs root: starts a broker that binds privileged ports and runs clients as other uids (run the suite as root, as CI does)");
        Assert.SkipWhen(SetprivProcess.FindSetpriv() is null, "needs setpriv(1) from util-linux to run clients as other uids");
    }
}
