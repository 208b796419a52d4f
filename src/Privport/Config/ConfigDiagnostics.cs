using System.Collections.Immutable;
using Tomlyn.Syntax;

namespace Privport.Config;

/// <summary>Errors and warnings collected while loading, so one run reports all of them.</summary>
internal sealed class ConfigDiagnostics
{
    private readonly List<ConfigError> _errors = [];
    private readonly List<ConfigError> _warnings = [];

    public int ErrorCount => _errors.Count;

    public IReadOnlyList<ConfigError> Errors => _errors;

    public ImmutableArray<ConfigError> Warnings => [.. _warnings];

    public void Error(ConfigError error) => _errors.Add(error);

    public void Error(string file, int line, int? column, string field, string message) =>
        _errors.Add(new ConfigError(file, line, column, field, message));

    public void Error(string file, SyntaxNodeBase at, string field, string message) =>
        _errors.Add(new ConfigError(file, Line(at), Column(at), field, message));

    public void Warning(string file, SyntaxNodeBase at, string field, string message) =>
        _warnings.Add(new ConfigError(file, Line(at), Column(at), field, message));

    /// <summary>Tomlyn counts lines and columns from 0; editors and compilers from 1.</summary>
    public static int Line(SyntaxNodeBase node) => node.Span.Start.Line + 1;

    public static int Column(SyntaxNodeBase node) => node.Span.Start.Column + 1;
}
