namespace Privport.Client;

/// <summary>Socket options the broker sets before it binds a socket it creates (OPEN).</summary>
[Flags]
public enum BindOptions : uint
{
    /// <summary>No option.</summary>
    None = 0,

    /// <summary>SO_REUSEADDR.</summary>
    ReuseAddress = 1 << 0,

    /// <summary>SO_REUSEPORT.</summary>
    ReusePort = 1 << 1,

    /// <summary>IPV6_V6ONLY: an IPv6 wildcard bind that does not also take IPv4.</summary>
    V6Only = 1 << 2,

    /// <summary>IP_FREEBIND: bind an address not (yet) configured on the host.</summary>
    FreeBind = 1 << 3,
}
