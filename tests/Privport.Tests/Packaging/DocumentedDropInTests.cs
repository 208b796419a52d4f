namespace Privport.Tests.Packaging;

/// <summary>
/// The unit drop-ins the documentation offers for services run through privport. journald names a service's
/// stdout and stderr after the program systemd starts, which for these is privport, so each must name the
/// service itself with SyslogIdentifier= for <c>journalctl -t SERVICE</c> to find its lines.
/// </summary>
public sealed class DocumentedDropInTests
{
    [Theory]
    [InlineData("wrap")]
    [InlineData("exec")]
    public void The_documentation_shows_a_unit_drop_in_for_each_launcher(string verb) =>
        Assert.Contains(DocumentedDropIn.All(), dropIn => dropIn.Runs(verb));

    [Fact]
    public void Every_documented_drop_in_that_runs_wrap_or_exec_names_the_service_in_SyslogIdentifier()
    {
        var launching = DocumentedDropIn.All().Where(dropIn => dropIn.Runs("wrap") || dropIn.Runs("exec")).ToList();

        Assert.NotEmpty(launching);
        Assert.All(launching, dropIn =>
        {
            string identifier = Assert.Single(dropIn.Values("SyslogIdentifier"));
            Assert.True(identifier.Length > 0 && identifier != "privport", $"{dropIn.Source}: SyslogIdentifier={identifier} should name the service, not privport");
        });
    }

    [Fact]
    public void A_drop_in_that_runs_wrap_or_exec_without_SyslogIdentifier_is_caught()
    {
        var bare = new DocumentedDropIn("example", ["[Service]", "ExecStart=", "ExecStart=/usr/bin/privport wrap -- /usr/sbin/nginx"]);

        Assert.True(bare.Runs("wrap"));
        Assert.Empty(bare.Values("SyslogIdentifier"));
    }
}
