namespace Privport.Doctor.Causes;

/// <summary>The stable cause ids, as scripts reading <c>--json</c> see them.</summary>
internal static class CauseIds
{
    public const string PrivilegedPort = "privileged-port";
    public const string PortInUse = "port-in-use";
    public const string AddressNotAvailable = "address-not-available";
    public const string SelinuxPortType = "selinux-port-type";
    public const string AppArmorDenied = "apparmor-denied";
    public const string FileCapabilityUnusable = "file-capability-unusable";
    public const string RootlessPublish = "rootless-port-publish";
}
