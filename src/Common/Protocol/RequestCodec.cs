using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using Privport.Client;
using static Privport.Protocol.WireFormat;

namespace Privport.Protocol;

/// <summary>Encodes requests, and decodes them with every field range-checked before use.</summary>
internal static class RequestCodec
{
    private const BindOptions KnownFlags = BindOptions.ReuseAddress | BindOptions.ReusePort | BindOptions.V6Only | BindOptions.FreeBind;

    public static void Encode(in BrokerRequest request, Span<byte> destination)
    {
        if (destination.Length < RequestSize)
        {
            throw new ArgumentException($"a request needs {RequestSize} bytes", nameof(destination));
        }

        var bytes = destination[..RequestSize];
        bytes.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[RequestOffsetMagic..], RequestMagic);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[RequestOffsetVersion..], ProtocolVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[RequestOffsetOp..], (ushort)request.Op);
        bytes[RequestOffsetProtocol] = (byte)request.Endpoint.Protocol;
        bool v6 = request.Endpoint.Address.AddressFamily == AddressFamily.InterNetworkV6;
        bytes[RequestOffsetFamily] = v6 ? FamilyInet6 : FamilyInet;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[RequestOffsetPort..], request.Endpoint.Port);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[RequestOffsetFlags..], (uint)request.Flags);
        request.Endpoint.Address.TryWriteBytes(bytes.Slice(RequestOffsetAddress, v6 ? 16 : 4), out _);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[RequestOffsetScopeId..], request.ScopeId);
    }

    public static bool TryDecode(ReadOnlySpan<byte> bytes, out BrokerRequest request, [NotNullWhen(false)] out string? reason)
    {
        request = default;
        if (bytes.Length != RequestSize)
        {
            reason = $"request is {bytes.Length} bytes; protocol version {ProtocolVersion} requests are {RequestSize}";
            return false;
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(bytes[RequestOffsetMagic..]) != RequestMagic)
        {
            reason = "request has a wrong magic number: the peer does not speak the privport protocol";
            return false;
        }

        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(bytes[RequestOffsetVersion..]);
        if (version != ProtocolVersion)
        {
            reason = $"request is protocol version {version}; this broker speaks version {ProtocolVersion}: upgrade the older side";
            return false;
        }

        if (bytes[RequestOffsetReserved..].ContainsAnyExcept((byte)0))
        {
            reason = "request has non-zero reserved bytes";
            return false;
        }

        var op = (BrokerOp)BinaryPrimitives.ReadUInt16LittleEndian(bytes[RequestOffsetOp..]);
        if (op is not (BrokerOp.Bind or BrokerOp.Open or BrokerOp.Query or BrokerOp.Status or BrokerOp.StatusDetail or BrokerOp.KernelEnrol))
        {
            reason = $"request has unknown op {(ushort)op}";
            return false;
        }

        if (op is BrokerOp.Status or BrokerOp.StatusDetail or BrokerOp.KernelEnrol)
        {
            request = BrokerRequest.Status() with { Op = op };
            reason = null;
            return true;
        }

        return TryDecodeEndpoint(op, bytes, out request, out reason);
    }

    private static bool TryDecodeEndpoint(BrokerOp op, ReadOnlySpan<byte> bytes, out BrokerRequest request, [NotNullWhen(false)] out string? reason)
    {
        request = default;
        var protocol = (PortProtocol)bytes[RequestOffsetProtocol];
        if (protocol is not (PortProtocol.Tcp or PortProtocol.Udp))
        {
            reason = $"request has protocol {bytes[RequestOffsetProtocol]}; only tcp (6) and udp (17) are brokered";
            return false;
        }

        byte family = bytes[RequestOffsetFamily];
        var address = bytes.Slice(RequestOffsetAddress, 16);
        uint scopeId = BinaryPrimitives.ReadUInt32LittleEndian(bytes[RequestOffsetScopeId..]);
        IPAddress ip;
        if (family == FamilyInet)
        {
            if (address[4..].ContainsAnyExcept((byte)0) || scopeId != 0)
            {
                reason = "an AF_INET request carries bytes beyond its 4-byte address or a scope id";
                return false;
            }

            ip = new IPAddress(address[..4]);
        }
        else if (family == FamilyInet6)
        {
            ip = new IPAddress(address, scopeId);
        }
        else
        {
            reason = $"request has address family {family}; only AF_INET (2) and AF_INET6 (10) are brokered";
            return false;
        }

        ushort port = BinaryPrimitives.ReadUInt16LittleEndian(bytes[RequestOffsetPort..]);
        if (port == 0)
        {
            reason = "request asks for port 0 (an ephemeral port needs no broker: bind it yourself)";
            return false;
        }

        var flags = (BindOptions)BinaryPrimitives.ReadUInt32LittleEndian(bytes[RequestOffsetFlags..]);
        if ((flags & ~KnownFlags) != 0)
        {
            reason = $"request has unknown flags 0x{(uint)(flags & ~KnownFlags):x}";
            return false;
        }

        if (family == FamilyInet && (flags & BindOptions.V6Only) != 0)
        {
            reason = "request sets V6ONLY on an AF_INET endpoint";
            return false;
        }

        request = new BrokerRequest(op, new Endpoint(protocol, ip, port), flags, scopeId);
        reason = null;
        return true;
    }
}
