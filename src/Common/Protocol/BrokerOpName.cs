using System.Globalization;

namespace Privport.Protocol;

/// <summary>
/// Each op's name as the audit log, metrics, logs and error messages write it: the C header's <c>PRIVPORT_OP_</c>
/// name without the prefix (docs/protocol.md). The one table of op names.
/// </summary>
internal static class BrokerOpName
{
    /// <summary>The op's name; a value no op has is written as its number.</summary>
    public static string Name(this BrokerOp op) => op switch
    {
        BrokerOp.Bind => "BIND",
        BrokerOp.Open => "OPEN",
        BrokerOp.Query => "QUERY",
        BrokerOp.Status => "STATUS",
        BrokerOp.StatusDetail => "STATUS_DETAIL",
        BrokerOp.KernelEnrol => "KERNEL_ENROL",
        _ => ((ushort)op).ToString(CultureInfo.InvariantCulture),
    };
}
