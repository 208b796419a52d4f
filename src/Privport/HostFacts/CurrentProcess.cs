namespace Privport.HostFacts;

/// <summary>Who this process is, for the verbs that choose between binding themselves and asking the broker.</summary>
internal static class CurrentProcess
{
    public static uint EffectiveUid => Privport.Interop.Interop.Libc.geteuid();

    public static bool IsRoot => EffectiveUid == 0;

    /// <summary>
    /// Raises the soft open-file limit to the hard one, as the long-running verbs hold a descriptor per client; returns
    /// the soft limit now in force.
    /// </summary>
    public static ulong RaiseOpenFileLimit() => Privport.Interop.FileDescriptorLimit.RaiseSoftToHard();
}
