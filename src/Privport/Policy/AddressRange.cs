using System.Globalization;
using System.Net;
using System.Numerics;
using System.Net.Sockets;

namespace Privport.Policy;

/// <summary>Address ranges as numbers: a prefix's bounds, and the fewest prefixes that cover a range exactly.</summary>
internal static class AddressRange
{
    public static (IPAddress First, IPAddress Last)? OfPrefix(IPAddress address, int length)
    {
        int bits = Bits(address);
        if (length < 0 || length > bits)
        {
            return null;
        }

        BigInteger hostMask = (BigInteger.One << (bits - length)) - 1;
        BigInteger value = ToNumber(address) & ~hostMask & Max(bits);
        return (FromNumber(value, bits), FromNumber(value | hostMask, bits));
    }

    public static int Compare(IPAddress a, IPAddress b) => ToNumber(a).CompareTo(ToNumber(b));

    public static IEnumerable<string> ToPrefixes(IPAddress first, IPAddress last)
    {
        int bits = Bits(first);
        BigInteger start = ToNumber(first);
        BigInteger end = ToNumber(last);
        while (start <= end)
        {
            int size = 0;
            while (size < bits
                && (start & ((BigInteger.One << (size + 1)) - 1)) == 0
                && start + (BigInteger.One << (size + 1)) - 1 <= end)
            {
                size++;
            }

            yield return string.Create(CultureInfo.InvariantCulture, $"{FromNumber(start, bits)}/{bits - size}");
            start += BigInteger.One << size;
        }
    }

    private static int Bits(IPAddress address) => address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;

    private static BigInteger Max(int bits) => (BigInteger.One << bits) - 1;

    private static BigInteger ToNumber(IPAddress address) => new(address.GetAddressBytes(), isUnsigned: true, isBigEndian: true);

    private static IPAddress FromNumber(BigInteger value, int bits)
    {
        var bytes = new byte[bits / 8];
        value.TryWriteBytes(bytes, out int written, isUnsigned: true, isBigEndian: true);
        if (written < bytes.Length)
        {
            Array.Copy(bytes, 0, bytes, bytes.Length - written, written);
            Array.Clear(bytes, 0, bytes.Length - written);
        }

        return new IPAddress(bytes);
    }
}
