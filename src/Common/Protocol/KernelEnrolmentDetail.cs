using System.Text;

namespace Privport.Protocol;

/// <summary>
/// The datagram that follows every KERNEL_ENROL reply: UTF-8 text, one line per entry (<c>granted: ...</c> or
/// <c>left out: ...</c>), at most <see cref="WireFormat.KernelEnrolDetailMaxSize"/> bytes; lines past that are
/// replaced by one saying how many were cut.
/// </summary>
internal static class KernelEnrolmentDetail
{
    public static byte[] Encode(IReadOnlyList<string> lines)
    {
        var text = new StringBuilder();
        for (int i = 0; i < lines.Count; i++)
        {
            string line = lines[i].Replace('\n', ' ');
            // Room is kept for the closing line, whatever follows.
            if (Encoding.UTF8.GetByteCount(text.ToString()) + Encoding.UTF8.GetByteCount(line) + 64 > WireFormat.KernelEnrolDetailMaxSize)
            {
                text.Append('(').Append(lines.Count - i).Append(" more lines left out of this reply; the broker's log has them)\n");
                break;
            }

            text.Append(line).Append('\n');
        }

        // An empty datagram would read as the connection's end: one newline stands for "nothing to say".
        return text.Length == 0 ? "\n"u8.ToArray() : Encoding.UTF8.GetBytes(text.ToString());
    }

    public static List<string> Decode(ReadOnlySpan<byte> bytes) =>
        [.. Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries)];
}
