using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net.Sockets;
using Privport.Client;

namespace Privport.Launch;

/// <summary>
/// One socket for <c>privport exec</c>: an endpoint with options, written <c>tcp/80</c>,
/// <c>tcp/[::]:443,v6only,backlog=1024</c> or <c>udp/53,reuseport</c>.
/// </summary>
internal sealed record ListenSpec(Endpoint Endpoint, BindOptions Options, int Backlog)
{
    /// <summary>systemd's default for Backlog= (SOMAXCONN): the kernel caps it at net.core.somaxconn.</summary>
    public const int DefaultBacklog = 4096;

    public static bool TryParse(string text, [NotNullWhen(true)] out ListenSpec? spec, [NotNullWhen(false)] out string? error)
    {
        spec = null;
        string[] parts = text.Split(',');
        if (!Endpoint.TryParse(parts[0], out var endpoint, out error))
        {
            return false;
        }

        bool tcp = endpoint.Protocol == PortProtocol.Tcp;
        // A listening TCP socket gets SO_REUSEADDR as systemd gives it, so a restart is not refused while old
        // connections sit in TIME_WAIT.
        var options = tcp ? BindOptions.ReuseAddress : BindOptions.None;
        int backlog = DefaultBacklog;
        foreach (string option in parts.AsSpan(1))
        {
            string[] pair = option.Split('=', 2);
            switch (pair[0])
            {
                case "reuseport" when pair.Length == 1:
                    options |= BindOptions.ReusePort;
                    break;
                case "v6only" when pair.Length == 1:
                    if (endpoint.Address.AddressFamily != AddressFamily.InterNetworkV6)
                    {
                        error = $"'{text}': v6only applies to IPv6 addresses only, e.g. tcp/[::]:443,v6only";
                        return false;
                    }

                    options |= BindOptions.V6Only;
                    break;
                case "backlog" when pair.Length == 2:
                    if (!tcp)
                    {
                        error = $"'{text}': backlog applies to tcp endpoints only";
                        return false;
                    }

                    if (!int.TryParse(pair[1], NumberStyles.None, CultureInfo.InvariantCulture, out backlog) || backlog < 1)
                    {
                        error = $"'{text}': backlog '{pair[1]}' is not a positive number";
                        return false;
                    }

                    break;
                default:
                    error = $"'{text}': unknown option '{option}'; the options are backlog=N (tcp), reuseport and v6only (IPv6)";
                    return false;
            }
        }

        spec = new ListenSpec(endpoint, options, backlog);
        error = null;
        return true;
    }

    /// <summary>The name systemd would show when none is given: unique enough to tell the sockets apart.</summary>
    public string DefaultName => string.Create(CultureInfo.InvariantCulture, $"{Endpoint.ProtocolName(Endpoint.Protocol)}-{Endpoint.Port}");
}
