using System.Net.Sockets;
using Privport.Client;

namespace Privport.Commands;

/// <summary>
/// <c>privport probe [--json]</c>: asks the broker about an endpoint as the calling user. Exit 0 granted, 1 denied or
/// failed, 2 when no broker answers.
/// </summary>
internal sealed class ProbeCommand
{
    private readonly TextWriter _out;
    private readonly TextWriter _error;

    public ProbeCommand(TextWriter output, TextWriter error)
    {
        _out = output;
        _error = error;
    }

    public async Task<int> RunAsync(string? socketPath, ProbeMode mode, bool v6Only, string endpointText, bool json, CancellationToken cancellation)
    {
        if (!Endpoint.TryParse(endpointText, out var endpoint, out string? problem))
        {
            await _error.WriteLineAsync($"privport probe: {problem}");
            return ExitCodes.Usage;
        }

        var answer = await AskAsync(new PrivportClient(socketPath), mode, endpoint, v6Only, cancellation);
        if (json)
        {
            await _out.WriteLineAsync(ProbeJsonWriter.Format(answer));
        }
        else if (answer.Outcome == ProbeOutcome.Unreachable)
        {
            await _error.WriteLineAsync($"privport probe: {answer.Reason}");
        }
        else
        {
            await _out.WriteLineAsync(answer.Outcome switch
            {
                ProbeOutcome.Granted => answer.Reason,
                ProbeOutcome.Denied => $"denied: {answer.Reason}",
                _ => $"failed: {answer.Reason}",
            });
        }

        return answer.Outcome switch
        {
            ProbeOutcome.Granted => ExitCodes.Ok,
            ProbeOutcome.Unreachable => ExitCodes.BrokerUnreachable,
            _ => ExitCodes.Denied,
        };
    }

    private static async Task<ProbeAnswer> AskAsync(PrivportClient client, ProbeMode mode, Endpoint endpoint, bool v6Only, CancellationToken cancellation)
    {
        var options = v6Only ? BindOptions.V6Only : BindOptions.None;
        try
        {
            string granted = mode switch
            {
                ProbeMode.Open => await OpenAsync(client, endpoint, options, cancellation),
                ProbeMode.Bind => await BindAsync(client, endpoint, v6Only, cancellation),
                _ => await QueryAsync(client, endpoint, options, cancellation),
            };
            return new ProbeAnswer(endpoint, mode, ProbeOutcome.Granted, granted, 0);
        }
        catch (PrivportException e) when (e.BrokerUnreachable)
        {
            return new ProbeAnswer(endpoint, mode, ProbeOutcome.Unreachable, e.Message, e.Errno);
        }
        catch (PrivportException e)
        {
            return new ProbeAnswer(endpoint, mode, e.Decision == ReplyDecision.Deny ? ProbeOutcome.Denied : ProbeOutcome.Failed, e.Reason, e.Errno);
        }
    }

    private static async Task<string> QueryAsync(PrivportClient client, Endpoint endpoint, BindOptions options, CancellationToken cancellation)
    {
        var decision = await client.QueryAsync(endpoint, options, cancellation);
        return decision.Allowed
            ? decision.Reason
            : throw new PrivportException(decision.Reason, Privport.Interop.Interop.Libc.EACCES, ReplyDecision.Deny, decision.Reason);
    }

    private static async Task<string> OpenAsync(PrivportClient client, Endpoint endpoint, BindOptions options, CancellationToken cancellation)
    {
        using var socket = await client.BindAsync(endpoint, options, cancellation);
        return $"granted and bound {endpoint} (socket handed over and closed)";
    }

    private static async Task<string> BindAsync(PrivportClient client, Endpoint endpoint, bool v6Only, CancellationToken cancellation)
    {
        // BindSocketAsync disposes it once bound; when the broker refuses, it is still ours to close.
        using var own = new Socket(
            endpoint.Address.AddressFamily,
            endpoint.Protocol == PortProtocol.Udp ? SocketType.Dgram : SocketType.Stream,
            endpoint.Protocol == PortProtocol.Udp ? ProtocolType.Udp : ProtocolType.Tcp);
        if (endpoint.Address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            own.DualMode = !v6Only;
        }

        using var bound = await client.BindSocketAsync(own, endpoint, cancellation);
        return $"granted and bound our own socket to {endpoint}";
    }
}
