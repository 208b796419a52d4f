namespace Privport.Commands;

/// <summary>Exit codes every verb uses, after sysexits.h where one fits.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>A policy denied the request (probe, policy test, wrap, exec).</summary>
    public const int Denied = 1;

    /// <summary><c>privport doctor</c> found no cause for the failure it was given.</summary>
    public const int NoCauseFound = 1;

    /// <summary>The broker could not be reached.</summary>
    public const int BrokerUnreachable = 2;

    public const int Usage = 64;

    /// <summary>The user or group to run as does not exist.</summary>
    public const int NoUser = 67;

    /// <summary>A socket could not be bound: the port is in use or the address is not on this host.</summary>
    public const int Unavailable = 69;
    public const int Software = 70;

    /// <summary>Something the command needs could not answer yet (the name service at boot); trying later may work.</summary>
    public const int TempFail = 75;
    public const int NoPermission = 77;
    public const int Config = 78;

    /// <summary>The program to run exists but could not be executed (as a shell reports it).</summary>
    public const int CommandNotRunnable = 126;

    /// <summary>The program to run was not found (as a shell reports it).</summary>
    public const int CommandNotFound = 127;
}
