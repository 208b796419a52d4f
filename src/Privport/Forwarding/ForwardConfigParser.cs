using System.Collections.Immutable;
using Privport.Client;
using Privport.Policy;
using Tomlyn.Parsing;
using Tomlyn.Syntax;
using Privport.Config;

namespace Privport.Forwarding;

/// <summary>
/// Reads <c>privport forward --config FILE</c> (TOML) through Tomlyn's syntax tree, as the policy loader does, so
/// every error names the file, line and field:
/// <code>
/// user = "www-data"       # required as root ("root" keeps root on purpose)
/// max_conns = 10000       # optional; default derived from the open-file limit, 0 for none
/// idle_timeout = "5m"     # optional, seconds or 250ms/30s/5m/1h/1d; default 5m, 0 for never
/// drain_timeout = "30s"   # optional, the same forms
/// scheduling = "batch"    # or "normal", optional
/// [[forward]]
/// listen = "tcp/80"
/// target = "127.0.0.1:8080"
/// proxy_protocol = "v2"   # optional
/// </code>
/// </summary>
internal sealed class ForwardConfigParser
{
    private readonly string _file;
    private readonly ConfigDiagnostics _diagnostics = new();

    public ForwardConfigParser(string file)
    {
        _file = file;
    }

    public IReadOnlyList<ConfigError> Errors => _diagnostics.Errors;

    /// <summary>The settings, or null with <see cref="Errors"/> saying every problem found.</summary>
    public ForwardSettings? Parse(string text)
    {
        var document = SyntaxParser.Parse(text, _file, validate: false);
        if (TomlSyntaxError.First(document, _file) is { } syntax)
        {
            _diagnostics.Error(syntax);
            return null;
        }

        string? user = null;
        string? group = null;
        int? maxConnections = null;
        TimeSpan? idle = null;
        var drain = ForwardSettings.DefaultDrainTimeout;
        int threads = 0;
        var scheduling = LoopScheduling.Batch;
        foreach (var entry in document.KeyValues)
        {
            string key = TomlKey.Text(entry.Key);
            switch (key)
            {
                case "user": user = String(entry, key); break;
                case "group": group = String(entry, key); break;
                case "max_conns": maxConnections = (int)Integer(entry, key, ForwardLimits.CheckMaxConnections); break;
                case "threads": threads = (int)Integer(entry, key, ForwardLimits.CheckThreads); break;
                case "scheduling":
                    if (String(entry, key) is { } policy && !LoopSchedulingNames.TryParse(policy, out scheduling))
                    {
                        _diagnostics.Error(_file, entry, key, $"'{policy}' is not batch or normal");
                    }

                    break;
                case "idle_timeout": idle = Duration(entry, key, ForwardLimits.CheckIdleTimeout) ?? idle; break;
                case "drain_timeout": drain = Duration(entry, key, ForwardLimits.CheckDrainTimeout) ?? drain; break;
                default:
                    _diagnostics.Error(_file, entry, key, "unknown key; the top level takes user, group, max_conns, idle_timeout, drain_timeout, threads, scheduling, and [[forward]] tables");
                    break;
            }
        }

        var rules = ImmutableArray.CreateBuilder<ForwardRule>();
        foreach (var table in document.Tables)
        {
            string name = TomlKey.Text(table.Name);
            if (table is TableArraySyntax && name == "forward")
            {
                if (ReadForward(table) is { } rule)
                {
                    rules.Add(rule);
                }
            }
            else
            {
                _diagnostics.Error(_file, table, name, name == "forward"
                    ? "write [[forward]] with double brackets: each forward is one entry of the forward array"
                    : $"unknown table '{name}'; the file holds [[forward]] tables only");
            }
        }

        if (rules.Count == 0 && _diagnostics.ErrorCount == 0)
        {
            _diagnostics.Error(_file, 0, null, "forward", "no [[forward]] table; add one with listen = \"tcp/80\" and target = \"127.0.0.1:8080\"");
        }

        return _diagnostics.ErrorCount == 0 ? new ForwardSettings(rules.ToImmutable(), user, group, maxConnections, idle, drain, threads, scheduling) : null;
    }

    private ForwardRule? ReadForward(TableSyntaxBase table)
    {
        Endpoint? listen = null;
        System.Net.IPEndPoint? target = null;
        var proxy = ProxyProtocolVersion.None;
        KeyValueSyntax? proxyEntry = null;
        foreach (var item in table.Items)
        {
            if (item is not KeyValueSyntax entry)
            {
                continue;
            }

            string key = TomlKey.Text(entry.Key);
            string? text = String(entry, key);
            switch (key)
            {
                case "listen" when text is not null:
                    if (Endpoint.TryParse(text, out var endpoint, out string? problem))
                    {
                        listen = endpoint;
                    }
                    else
                    {
                        _diagnostics.Error(_file, entry, key, problem);
                    }

                    break;
                case "target" when text is not null:
                    if (ForwardRule.TryParseTarget(text, out var parsed, out string? error))
                    {
                        target = parsed;
                    }
                    else
                    {
                        _diagnostics.Error(_file, entry, key, error);
                    }

                    break;
                case "proxy_protocol" when text is not null:
                    proxyEntry = entry;
                    if (!ForwardRule.TryParseProxyProtocol(text, out proxy))
                    {
                        _diagnostics.Error(_file, entry, key, $"'{text}' is not v1 or v2");
                    }

                    break;
                case "listen" or "target" or "proxy_protocol":
                    break;
                default:
                    _diagnostics.Error(_file, entry, key, "unknown key; a [[forward]] takes listen, target and proxy_protocol");
                    break;
            }
        }

        if (listen is null || target is null)
        {
            if (listen is null && !HasKey(table, "listen"))
            {
                _diagnostics.Error(_file, table, "listen", "missing; add listen = \"tcp/80\" to this [[forward]]");
            }

            if (target is null && !HasKey(table, "target"))
            {
                _diagnostics.Error(_file, table, "target", "missing; add target = \"127.0.0.1:8080\" to this [[forward]]");
            }

            return null;
        }

        if (ForwardRule.Problem(listen.Value, proxy) is { } mismatch)
        {
            _diagnostics.Error(_file, (SyntaxNodeBase?)proxyEntry ?? table, "proxy_protocol", mismatch);
            return null;
        }

        return new ForwardRule(listen.Value, target, proxy);
    }

    private static bool HasKey(TableSyntaxBase table, string key)
    {
        foreach (var item in table.Items)
        {
            if (item is KeyValueSyntax entry && TomlKey.Text(entry.Key) == key)
            {
                return true;
            }
        }

        return false;
    }

    private string? String(KeyValueSyntax entry, string key)
    {
        if (entry.Value is StringValueSyntax text && text.Value is { } value)
        {
            return value;
        }

        _diagnostics.Error(_file, entry, key, "must be a string in double quotes");
        return null;
    }

    /// <summary>A duration: whole seconds (300), or a string with a unit as systemd writes them ("300s", "5m", "1h").</summary>
    /// <summary>A duration in <see cref="ForwardLimits.DurationForms"/>: a TOML number is seconds, a string may carry a unit.</summary>
    private TimeSpan? Duration(KeyValueSyntax entry, string key, Func<TimeSpan, string?> check)
    {
        TimeSpan? value = entry.Value switch
        {
            IntegerValueSyntax { Value: >= 0 and <= 1_000_000_000_000L } number => TimeSpan.FromSeconds(number.Value),
            FloatValueSyntax { Value: >= 0 and <= 1e12 } number => TimeSpan.FromSeconds(number.Value),
            StringValueSyntax { Value: { } text } when ForwardLimits.TryParseDuration(text, out var parsed) => parsed,
            _ => null,
        };
        if (value is null)
        {
            _diagnostics.Error(_file, entry, key, $"is not a duration; give {ForwardLimits.DurationForms}, e.g. {key} = \"5m\"");
            return null;
        }

        if (check(value.Value) is { } problem)
        {
            _diagnostics.Error(_file, entry, key, problem);
            return null;
        }

        return value;
    }

    private long Integer(KeyValueSyntax entry, string key, Func<long, string?> check)
    {
        if (entry.Value is not IntegerValueSyntax number)
        {
            _diagnostics.Error(_file, entry, key, "must be a whole number");
            return 0;
        }

        if (check(number.Value) is { } problem)
        {
            _diagnostics.Error(_file, entry, key, problem);
            return 0;
        }

        return number.Value;
    }
}
