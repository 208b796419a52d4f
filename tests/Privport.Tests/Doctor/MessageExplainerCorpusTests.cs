using System.Globalization;
using System.Text.RegularExpressions;
using Privport.Doctor.Explain;
using Privport.Tests.Packaging;

namespace Privport.Tests.Doctor;

public sealed partial class MessageExplainerCorpusTests
{
    private const double RequiredScore = 0.97;

    private readonly ITestOutputHelper _output;

    public MessageExplainerCorpusTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string> NamedSamples => new(CorpusSample.Names().Where(n => CorpusSample.Load(n).Program is not null));

    [Fact]
    public void The_corpus_is_read_right_for_at_least_97_percent_of_its_messages()
    {
        var samples = CorpusSample.All();
        var misses = new List<string>();
        foreach (var sample in samples)
        {
            var explained = MessageExplainer.Explain(sample.Text);
            if (explained.Port != sample.Port || explained.Errno?.ToString() != sample.Errno)
            {
                misses.Add($"  {sample.Name}: expected {Show(sample.Port)} {sample.Errno ?? "-"}, read {Show(explained.Port)} {explained.Errno?.ToString() ?? "-"}");
            }
        }

        double score = (double)(samples.Count - misses.Count) / samples.Count;
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"corpus score: {samples.Count - misses.Count}/{samples.Count} = {score:P1} (port and errno both right; {samples.Select(s => s.Writer).Distinct(StringComparer.Ordinal).Count()} programs and versions)"));
        foreach (string miss in misses)
        {
            _output.WriteLine(miss);
        }

        Assert.True(score >= RequiredScore, $"corpus score {score:P1} is below {RequiredScore:P0}:\n{string.Join('\n', misses)}");
    }

    [Fact]
    public void The_corpus_holds_120_messages_from_60_programs_each_with_a_public_source()
    {
        var samples = CorpusSample.All();

        Assert.True(samples.Count >= 120, $"{samples.Count} messages in the corpus, fewer than 120");
        Assert.True(samples.Select(s => s.Writer).Distinct(StringComparer.Ordinal).Count() >= 60, "fewer than 60 programs and versions in the corpus");
        Assert.All(samples, s => Assert.StartsWith("http", s.Source, StringComparison.Ordinal));
        Assert.Contains(samples, s => s.Port is null);
        Assert.Contains(samples, s => s.Text.Contains('\n', StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(NamedSamples))]
    public void A_message_from_a_known_program_names_it_and_its_address(string name)
    {
        var sample = CorpusSample.Load(name);
        var explained = MessageExplainer.Explain(sample.Text);

        Assert.Equal(sample.Program, explained.Program);
        if (sample.Address is not null)
        {
            Assert.Equal(sample.Address, explained.Address);
        }

        if (sample.Protocol is not null)
        {
            Assert.Equal(sample.Protocol, explained.Protocol);
        }
    }

    [Fact]
    public void A_message_without_a_port_gives_a_null_port_not_a_number_from_its_timestamps()
    {
        var explained = MessageExplainer.Explain(
            "2024-01-02 03:04:05.678 [pid 4242] ERROR main: java.net.BindException: Permission denied (Bind failed)\n\tat java.net.PlainSocketImpl.socketBind(Native Method)");

        Assert.Null(explained.Port);
        Assert.Equal(BindErrno.EACCES, explained.Errno);
    }

    [Fact]
    public void Spring_boot_in_use_claims_carry_a_caveat()
    {
        var explained = MessageExplainer.Explain(CorpusSample.Load("spring-boot-port-in-use-mislabel").Text);

        Assert.Equal(BindErrno.EADDRINUSE, explained.Errno);
        Assert.NotNull(explained.ErrnoCaveat);
    }

    [Fact]
    public void An_empty_paste_explains_nothing()
    {
        Assert.Equal(ExplainedMessage.Empty, MessageExplainer.Explain("  \n"));
    }

    [Fact]
    public void The_readme_figures_are_the_corpus_figures()
    {
        var samples = CorpusSample.All();
        int right = samples.Count(s => MessageExplainer.Explain(s.Text) is var e && e.Port == s.Port && e.Errno?.ToString() == s.Errno);
        var claim = ReadmeCorpusClaim().Match(File.ReadAllText(Path.Combine(RepositoryFiles.Root, "README.md")));

        Assert.True(claim.Success, "README.md no longer says 'for R of N published messages from P programs and versions'");
        Assert.Equal(
            (right, samples.Count, samples.Select(s => s.Writer).Distinct(StringComparer.Ordinal).Count()),
            (Number(claim, "right"), Number(claim, "messages"), Number(claim, "programs")));
    }

    private static int Number(Match match, string group) => int.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"for\s+(?<right>\d+)\s+of\s+(?<messages>\d+)\s+published\s+messages\s+from\s+(?<programs>\d+)\s+programs\s+and\s+versions")]
    private static partial Regex ReadmeCorpusClaim();

    private static string Show(int? port) => port?.ToString(CultureInfo.InvariantCulture) ?? "-";
}
