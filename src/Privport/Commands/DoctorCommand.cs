using System.Globalization;
using Privport.Client;
using Privport.Doctor;
using Privport.Doctor.Explain;
using Privport.Doctor.Live;
using Privport.Doctor.Output;
using Privport.Policy;
using Privport.Sockets;

namespace Privport.Commands;

/// <summary>
/// <c>privport doctor [ENDPOINT] [--user U] [--exe PATH] [--explain TEXT|-] [--json]</c>: why a bind failed on this
/// host and what fixes it. Exit 0 when a cause was found, 1 when none was, 64 for usage errors.
/// </summary>
internal sealed class DoctorCommand
{
    private readonly TextWriter _out;
    private readonly TextWriter _error;
    private readonly Func<TextReader> _input;

    /// <param name="output">Where the report goes.</param>
    /// <param name="error">Where usage errors go.</param>
    /// <param name="input">Stdin for <c>--explain -</c>; asked for only then, since touching Console.In switches a terminal's keypad mode.</param>
    public DoctorCommand(TextWriter output, TextWriter error, Func<TextReader> input)
    {
        _out = output;
        _error = error;
        _input = input;
    }

    public async Task<int> RunAsync(DoctorEnvironment environment, string? endpointText, string? user, string? exe, string? explain, bool json, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (endpointText is null && explain is null)
        {
            await _error.WriteLineAsync("privport doctor: give an endpoint (tcp/80), an error message (--explain 'TEXT', or --explain - to read it from stdin), or both");
            return ExitCodes.Usage;
        }

        Endpoint? endpoint = null;
        if (endpointText is not null)
        {
            if (!Endpoint.TryParse(endpointText, out var parsed, out string? problem))
            {
                await _error.WriteLineAsync($"privport doctor: {problem}");
                return ExitCodes.Usage;
            }

            endpoint = parsed;
        }

        UserAccount? account = null;
        if (user is not null)
        {
            account = AccountId.TryParseNumber(user, out uint uid) ? environment.Accounts.FindUser(uid)
                : environment.Accounts.FindUid(user) is { } found ? environment.Accounts.FindUser(found) : null;
            if (account is null)
            {
                await _error.WriteLineAsync($"privport doctor: unknown user '{user}': give a user name or a uid with a passwd entry");
                return ExitCodes.Usage;
            }
        }

        if (exe is not null && !exe.StartsWith('/'))
        {
            await _error.WriteLineAsync($"privport doctor: --exe '{exe}' is not an absolute path; give the program's full path, e.g. /usr/sbin/nginx");
            return ExitCodes.Usage;
        }

        ExplainedMessage? message = null;
        if (explain is not null)
        {
            string text = explain == "-" ? await _input().ReadToEndAsync(cancellation) : explain;
            message = MessageExplainer.Explain(text);
        }

        var diagnosis = await new DiagnosisEngine(environment).DiagnoseAsync(new DoctorRequest(endpoint, message, account, exe), cancellation);
        if (json)
        {
            using var stdout = StandardStreams.Output();
            if (_out == Console.Out)
            {
                DiagnosisJsonWriter.Write(diagnosis, stdout);
            }
            else
            {
                using var buffer = new MemoryStream();
                DiagnosisJsonWriter.Write(diagnosis, buffer);
                await _out.WriteAsync(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
            }
        }
        else
        {
            DiagnosisTextWriter.Write(diagnosis, _out, DiagnosisTextWriter.WantsColour(_out));
        }

        return diagnosis.Causes.Count > 0 ? ExitCodes.Ok : ExitCodes.NoCauseFound;
    }

    /// <summary>
    /// The hidden verb the live reproduction runs as the target user: one bind, the errno on stdout (0: bound); with a
    /// socket, a second line with the broker's answer to a QUERY from this user (allow/deny/unreachable).
    /// </summary>
    public async Task<int> ReproduceBindAsync(string endpointText, string? socketPath, CancellationToken cancellation)
    {
        if (!Endpoint.TryParse(endpointText, out var endpoint, out string? problem))
        {
            await _error.WriteLineAsync($"privport doctor {BindReproduction.Verb}: {problem}");
            return ExitCodes.Usage;
        }

        await _out.WriteLineAsync(BindProbe.Try(endpoint).ToString(CultureInfo.InvariantCulture));
        if (socketPath is not null)
        {
            string answer;
            try
            {
                var decision = await new PrivportClient(socketPath) { Timeout = TimeSpan.FromSeconds(1) }.QueryAsync(endpoint, BindOptions.None, cancellation);
                answer = decision.Allowed ? $"allow: {decision.Reason}" : $"deny: {decision.Reason}";
            }
            catch (PrivportException e) when (e.BrokerUnreachable)
            {
                answer = BindReproduction.BrokerUnreachable;
            }
            catch (PrivportException e)
            {
                answer = $"deny: {e.Reason}";
            }

            await _out.WriteLineAsync(answer);
        }

        return ExitCodes.Ok;
    }
}
