using System.Globalization;
using System.Text.RegularExpressions;

namespace Privport.Tests.Metrics;

/// <summary>
/// A strict reader of the Prometheus text exposition format (version 0.0.4): every line must be a HELP, a TYPE or a
/// sample of a declared metric, or the scrape is rejected with the offending line.
/// </summary>
public sealed partial class PrometheusText
{
    private readonly Dictionary<string, string> _types = new(StringComparer.Ordinal);
    private readonly List<(string Name, Dictionary<string, string> Labels, double Value)> _samples = [];

    public static PrometheusText Parse(string text)
    {
        var parsed = new PrometheusText();
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            if (Help().Match(line) is { Success: true })
            {
                continue;
            }

            if (TypeLine().Match(line) is { Success: true } type)
            {
                Assert.True(parsed._types.TryAdd(type.Groups[1].Value, type.Groups[2].Value), $"metric declared twice: {line}");
                continue;
            }

            var sample = Sample().Match(line);
            Assert.True(sample.Success, $"not Prometheus text format: '{line}'");
            string name = sample.Groups[1].Value;
            Assert.True(parsed._types.ContainsKey(BaseName(name, parsed._types)), $"sample of an undeclared metric: '{line}'");
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match label in Label().Matches(sample.Groups[2].Value))
            {
                labels.Add(label.Groups[1].Value, label.Groups[2].Value);
            }

            string value = sample.Groups[3].Value;
            parsed._samples.Add((name, labels, value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                _ => double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture),
            }));
        }

        return parsed;
    }

    public string? TypeOf(string metric) => _types.GetValueOrDefault(metric);

    /// <summary>The value of the one sample named <paramref name="name"/> with exactly these labels.</summary>
    public double Value(string name, params (string Name, string Value)[] labels)
    {
        var matching = _samples.Where(sample => sample.Name == name && sample.Labels.Count == labels.Length
            && labels.All(label => sample.Labels.TryGetValue(label.Name, out string? v) && v == label.Value)).ToList();
        Assert.True(matching.Count == 1, $"{matching.Count} samples {name}{{{string.Join(',', labels.Select(l => $"{l.Name}=\"{l.Value}\""))}}}");
        return matching[0].Value;
    }

    /// <summary>A histogram's buckets by upper bound, checked to be cumulative and to end in +Inf = _count.</summary>
    public IReadOnlyList<(double UpperBound, double Count)> Buckets(string histogram, params (string Name, string Value)[] labels)
    {
        Assert.Equal("histogram", TypeOf(histogram));
        var buckets = _samples
            .Where(sample => sample.Name == histogram + "_bucket" && labels.All(label => sample.Labels.TryGetValue(label.Name, out string? v) && v == label.Value))
            .Select(sample => (UpperBound: sample.Labels["le"] == "+Inf" ? double.PositiveInfinity : double.Parse(sample.Labels["le"], CultureInfo.InvariantCulture), Count: sample.Value))
            .OrderBy(bucket => bucket.UpperBound)
            .ToList();
        Assert.NotEmpty(buckets);
        for (int i = 1; i < buckets.Count; i++)
        {
            Assert.True(buckets[i].Count >= buckets[i - 1].Count, $"{histogram} buckets are not cumulative");
        }

        Assert.Equal(double.PositiveInfinity, buckets[^1].UpperBound);
        Assert.Equal(Value(histogram + "_count", labels), buckets[^1].Count);
        return buckets;
    }

    private static string BaseName(string sample, Dictionary<string, string> types)
    {
        foreach (string suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (sample.EndsWith(suffix, StringComparison.Ordinal) && types.ContainsKey(sample[..^suffix.Length]))
            {
                return sample[..^suffix.Length];
            }
        }

        return sample;
    }

    [GeneratedRegex(@"^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*$")]
    private static partial Regex Help();

    [GeneratedRegex(@"^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$")]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*=""(?:[^""\\]|\\.)*"",?)*\})? (\S+)( -?[0-9]+)?$")]
    private static partial Regex Sample();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex Label();
}
