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

        if (message.Protocol is not (null or "tcp" or "udp"))
        {
            throw new FuzzFindingException($"explained protocol '{message.Protocol}' is neither tcp nor udp");
        }
    }
}
