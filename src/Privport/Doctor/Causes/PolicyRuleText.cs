using System.Globalization;
using System.Net;
using System.Text;
using Privport.Client;
using Privport.Policy;

namespace Privport.Doctor.Causes;

/// <summary>
/// A privport policy rule, as TOML ready to paste into /etc/privport/policy.d/, allowing one user (and one program,
/// when known) exactly the endpoint that failed. A dual-stack <c>::</c> also takes <c>0.0.0.0</c>, so both are listed.
/// </summary>
internal static class PolicyRuleText
{
    private const int MaxNameLength = 64;

    /// <summary>A rule name the policy loader accepts: <c>doctor-USER-PROTO-PORT</c>, then <paramref name="suffix"/>, at most 64 characters.</summary>
    public static string Name(string user, PortProtocol protocol, int port, string suffix = "")
    {
        var name = new StringBuilder("doctor-");
        foreach (char c in string.Create(CultureInfo.InvariantCulture, $"{user}-{Protocol(protocol)}-{port}"))
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_');
        }

        int room = MaxNameLength - suffix.Length;
        return (name.Length > room ? name.ToString(0, room) : name.ToString()) + suffix;
    }

    public static string For(string user, string? executable, PortProtocol protocol, IPAddress? address, int port)
    {
        ArgumentNullException.ThrowIfNull(user);
        return AllowRuleWriter.Write(new AllowRuleFields
        {
            Name = Name(user, protocol, port),
            Users = [user],
            Exe = executable is null ? [] : [executable],
            Ports = [Port(protocol, port)],
            Addresses = address is null ? [] : address.Equals(IPAddress.IPv6Any) ? ["::", "0.0.0.0"] : [address.ToString()],
        });
    }

    /// <summary>A kernel-grant rule: <paramref name="user"/>'s processes in <paramref name="unit"/> may bind the port.</summary>
    public static string ForUnit(string user, string unit, PortProtocol protocol, int port)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(unit);
        return AllowRuleWriter.Write(new AllowRuleFields
        {
            Name = Name(user, protocol, port, "-kernel"),
            Units = [unit],
            Users = [user],
            Ports = [Port(protocol, port)],
        });
    }

    private static string Protocol(PortProtocol protocol) => protocol == PortProtocol.Udp ? "udp" : "tcp";

    private static string Port(PortProtocol protocol, int port) => string.Create(CultureInfo.InvariantCulture, $"{Protocol(protocol)}/{port}");
}
