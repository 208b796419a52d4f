using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Privport.Client;
using Privport.Kernel;

namespace Privport.Broker;

/// <summary>How a kernel grant entry reads in replies, status and audit lines: <c>tcp/[::]:443 for uid 65534</c>.</summary>
internal static class KernelGrantText
{
    public static string Describe(in GrantEntry entry) =>
        string.Create(CultureInfo.InvariantCulture, $"{Endpoint.ProtocolName(entry.Protocol)}/{Address(entry)}:{entry.Port} for {Subject(entry.Subject)}");

    public static string Subject(GrantSubject subject) => subject.Kind switch
    {
        GrantSubjectKind.User => string.Create(CultureInfo.InvariantCulture, $"uid {subject.Id}"),
        GrantSubjectKind.Group => string.Create(CultureInfo.InvariantCulture, $"gid {subject.Id}"),
        _ => "any user",
    };

    private static string Address(in GrantEntry entry)
    {
        bool v6 = entry.Family == AddressFamily.InterNetworkV6;
        if (entry.WildcardAddress)
        {
            return v6 ? "[::]" : "0.0.0.0";
        }

        if (entry.PrefixLength == 0)
        {
            return v6 ? "[any specific IPv6 address]" : "any specific address";
        }

        Span<byte> bytes = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(bytes, entry.Address);
        var address = v6 ? new IPAddress(bytes) : new IPAddress(bytes[12..]);
        int full = v6 ? 128 : 32;
        string text = v6 ? $"[{address}]" : address.ToString();
        return entry.PrefixLength >= full ? text : string.Create(CultureInfo.InvariantCulture, $"{text}/{entry.PrefixLength}");
    }
}
