using System.Text;
using Privport.Doctor.Explain;

namespace Privport.Fuzz;

/// <summary>A message pasted into <c>privport doctor --explain</c>: any text at all.</summary>
internal static class DoctorTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        var message = MessageExplainer.Explain(Encoding.UTF8.GetString(input));
        if (message.Port is < 1 or > 65535)
        {
            throw new FuzzFindingException($"explained port {message.Port} is not a port");
        }

        if ((message.Port is null) != (message.PortEvidence is null) || (message.Errno is null) != (message.ErrnoEvidence is null))
        {
            throw new FuzzFindingException("a port or errno was read without the evidence it was read from, or evidence without a reading");
        }

        if (message.PortEvidence is { } evidence && !evidence.Text.Contains(message.Port!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal))
        {
            throw new FuzzFindingException($"port {message.Port} was read from '{evidence.Text}', which does not contain it");
        }

        if (message.Protocol is not (null or "tcp" or "udp"))
        {
            throw new FuzzFindingException($"explained protocol '{message.Protocol}' is neither tcp nor udp");
        }
    }
}
