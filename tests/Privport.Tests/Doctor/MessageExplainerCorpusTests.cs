using Privport.Doctor.Explain;

namespace Privport.Tests.Doctor;

public sealed class MessageExplainerCorpusTests
{
    public static TheoryData<string> Samples => new(CorpusSample.Names());

    [Theory]
    [MemberData(nameof(Samples))]
    public void Each_published_message_gives_its_port_errno_and_program(string name)
    {
        var sample = CorpusSample.Load(name);
        var explained = MessageExplainer.Explain(sample.Text);

        Assert.Equal(sample.Program, explained.Program);
        Assert.Equal(sample.Port, explained.Port);
        Assert.Equal(sample.Errno, explained.Errno?.ToString());
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
    public void The_corpus_covers_at_least_25_programs_with_a_source_for_every_sample()
    {
        var samples = CorpusSample.Names().Select(CorpusSample.Load).ToList();
        Assert.True(samples.Select(s => s.Program).Distinct().Count() >= 25, "fewer than 25 programs in the corpus");
        Assert.All(samples, s => Assert.False(string.IsNullOrWhiteSpace(s.Source), $"{s.Name} names no source"));
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
}
