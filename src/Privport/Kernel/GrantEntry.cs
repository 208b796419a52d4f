using System.Net.Sockets;
using Privport.Client;

namespace Privport.Kernel;

/// <summary>
/// One bind the kernel program lets through without CAP_NET_BIND_SERVICE: a subject binding a protocol and port on
/// an address. <see cref="WildcardAddress"/> entries match only a bind to the family's wildcard (0.0.0.0 or ::),
/// exactly as a policy address pattern does; otherwise the entry matches specific addresses whose first
/// <see cref="PrefixLength"/> bits equal <see cref="Address"/> (0 bits: any specific address of the family, never the
/// wildcard). IPv4-mapped IPv6 binds are looked up as IPv4. <see cref="RuleNumber"/> indexes
/// <see cref="KernelGrantPlan.RuleIds"/>, so an audit event names the rule.
/// </summary>
internal readonly record struct GrantEntry(
    AddressFamily Family,
    PortProtocol Protocol,
    ushort Port,
    GrantSubject Subject,
    bool WildcardAddress,
    UInt128 Address,
    byte PrefixLength,
    uint RuleNumber);
