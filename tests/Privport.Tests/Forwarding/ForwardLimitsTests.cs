using Privport.Forwarding;

namespace Privport.Tests.Forwarding;

/// <summary>
/// forward.toml and the command line share one set of bounds and one duration grammar: a value one accepts, the
/// other accepts with the same meaning, and a value one refuses, the other refuses for the same reason.
/// </summary>
public sealed class ForwardLimitsTests
{
    public static TheoryData<string, double?> Durations => new()
    {
        { "300", 300 }, { "1.5", 1.5 }, { "250ms", 0.25 }, { "30s", 30 }, { "5m", 300 }, { "1h", 3600 }, { "1d", 86_400 },
        { "0", 0 }, { "-5", null }, { "5 m", null }, { "5y", null }, { "1e3", null }, { "", null }, { "m", null }, { "ms", null },
        { "NaN", null }, { "Infinity", null },
    };

    [Theory]
    [MemberData(nameof(Durations))]
    public void The_duration_grammar_reads_seconds_and_units_and_nothing_else(string text, double? seconds)
    {
        bool parsed = ForwardLimits.TryParseDuration(text, out var duration);

        Assert.Equal(seconds is not null, parsed);
        if (seconds is { } expected)
        {
            Assert.Equal(TimeSpan.FromSeconds(expected), duration);
        }
    }

    [Theory]
    [InlineData("idle_timeout", "250ms", 0.25)]
    [InlineData("idle_timeout", "5m", 300)]
    [InlineData("idle_timeout", "0.5", 0.5)]
    [InlineData("drain_timeout", "2m", 120)]
    public void The_config_file_takes_the_durations_the_command_line_takes(string key, string text, double seconds)
    {
        var settings = Parse($"{key} = \"{text}\"");

        Assert.NotNull(settings);
        Assert.Equal(TimeSpan.FromSeconds(seconds), key == "idle_timeout" ? settings.IdleTimeout : settings.DrainTimeout);
    }

    [Theory]
    [InlineData("idle_timeout = \"400d\"", "idle_timeout", "is out of range; give 1ms to 365d")]
    [InlineData("idle_timeout = \"0.0001s\"", "idle_timeout", "is out of range; give 1ms to 365d")]
    [InlineData("drain_timeout = \"2d\"", "drain_timeout", "is out of range; give 0 to 1d")]
    [InlineData("idle_timeout = \"5 minutes\"", "idle_timeout", "is not a duration; give seconds (300, 1.5) or a number with a unit")]
    [InlineData("max_conns = 20000000", "max_conns", "is out of range; give 0 (no limit) to 10000000")]
    [InlineData("threads = 257", "threads", "is out of range; give 1 to 256 (0: one per CPU)")]
    public void The_config_file_refuses_with_the_command_lines_reason(string line, string field, string reason)
    {
        var parser = new ForwardConfigParser("/etc/privport/forward.d/web.toml");

        Assert.Null(parser.Parse(line + "\n" + Forward));
        var error = Assert.Single(parser.Errors);
        Assert.Equal(field, error.Field);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    private const string Forward = "user = \"www-data\"\n[[forward]]\nlisten = \"tcp/80\"\ntarget = \"127.0.0.1:8080\"\n";

    private static ForwardSettings? Parse(string line)
    {
        var parser = new ForwardConfigParser("/etc/privport/forward.d/web.toml");
        var settings = parser.Parse(line + "\n" + Forward);
        Assert.True(parser.Errors.Count == 0, string.Join("\n", parser.Errors));
        return settings;
    }
}
