using System.Globalization;

namespace Privport.Redirect;

/// <summary>
/// Whether this process may change nftables: CAP_NET_ADMIN in its effective set, read from /proc/self/status. Asked
/// before nft runs, so a missing privilege is reported as such in any locale rather than read from nft's messages.
/// </summary>
internal static class NetworkAdministration
{
    private const int CapNetAdmin = 12;

    public static bool Permitted() => Permitted(File.ReadAllLines("/proc/self/status"));

    internal static bool Permitted(IEnumerable<string> statusLines)
    {
        foreach (string line in statusLines)
        {
            if (line.StartsWith("CapEff:", StringComparison.Ordinal))
            {
                return ulong.TryParse(line.AsSpan("CapEff:".Length).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong effective)
                    && (effective & (1UL << CapNetAdmin)) != 0;
            }
        }

        return false;
    }
}
