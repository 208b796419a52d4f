namespace Privport.HostFacts;

/// <summary>Who this process is, for the verbs that choose between binding themselves and asking the broker.</summary>
internal static class CurrentProcess
{
    public static uint EffectiveUid => Privport.Interop.Interop.Libc.geteuid();

    public static bool IsRoot => EffectiveUid == 0;
}
