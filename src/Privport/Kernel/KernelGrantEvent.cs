using System.Net;
using System.Net.Sockets;
using Privport.Client;

namespace Privport.Kernel;

/// <summary>One bind the kernel let through under a grant, as the grant program reported it.</summary>
internal readonly record struct KernelGrantEvent(
    int Pid, uint Uid, uint Gid, ulong CgroupId, uint ScopeNumber, PortProtocol Protocol,
    AddressFamily Family, IPAddress Address, ushort Port, uint RuleNumber, string Comm);
