using System.Net.Sockets;
using System.Text;
using Privport.Client;
using Privport.Interop;
using Privport.HostFacts;
using Privport.Sockets;

namespace Privport.Commands;

/// <summary>
/// The demo's web server, run as an unprivileged uid: shows the direct bind failing, gets its socket from the broker,
/// answers one request, exits.
/// </summary>
internal sealed class DemoHttpServerCommand
{
    public const string Verb = "demo-http";
    public const string ListeningLine = "listening";

    private readonly TextWriter _out;
    private readonly TextWriter _error;

    public DemoHttpServerCommand(TextWriter output, TextWriter error)
    {
        _out = output;
        _error = error;
    }

    /// <param name="socketPath">The broker's socket.</param>
    /// <param name="plainBind">
    /// Bind with an ordinary <see cref="TcpListener"/> instead of asking the broker: what an unmodified .NET server
    /// does, for running under <c>privport wrap</c>.
    /// </param>
    /// <param name="endpointText">Where to listen.</param>
    /// <param name="cancellation">Stops the server.</param>
    public async Task<int> RunAsync(string? socketPath, bool plainBind, string endpointText, CancellationToken cancellation)
    {
        var endpoint = Endpoint.Parse(endpointText);
        uint uid = CurrentProcess.EffectiveUid;
        Socket? listener = null;
        try
        {
            if (plainBind)
            {
#pragma warning disable CA2000 // A TcpListener holds nothing but its Socket, which listener owns from here on.
                var server = new TcpListener(endpoint.Address, endpoint.Port);
#pragma warning restore CA2000
                listener = server.Server;
                server.Start();
            }
            else
            {
                await _out.WriteLineAsync($"web server running as uid {uid}; direct bind() of {endpoint}: {DirectBindResult(endpoint)}");
                listener = await new PrivportClient(socketPath).BindAsync(endpoint, BindOptions.ReuseAddress, cancellation);
                listener.Listen(16);
            }
        }
        catch (SocketException e)
        {
            listener?.Dispose();
            await _error.WriteLineAsync($"web server: cannot listen on {endpoint}: {e.Message}");
            return ExitCodes.Denied;
        }
        catch (PrivportException e)
        {
            await _error.WriteLineAsync($"web server: {e.Message}");
            return ExitCodes.Denied;
        }

        using (listener)
        {
            await _out.WriteLineAsync($"{ListeningLine} on {endpoint} with a socket bound by the broker");
            await _out.FlushAsync(cancellation);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            deadline.CancelAfter(TimeSpan.FromSeconds(30));
            using var connection = await listener.AcceptAsync(deadline.Token);
            var request = new byte[4096];
            await connection.ReceiveAsync(request, deadline.Token);
            string body = $"Hello from uid {uid}, serving {endpoint} without root, thanks to privport.\n";
            string response = $"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}";
            await connection.SendAsync(Encoding.UTF8.GetBytes(response), deadline.Token);
            connection.Shutdown(SocketShutdown.Both);
        }

        return ExitCodes.Ok;
    }

    private static string DirectBindResult(Endpoint endpoint)
    {
        int errno = BindProbe.Try(endpoint);
        return errno == 0 ? "succeeded (this host needs no broker for it)" : Errno.Describe(errno);
    }
}
