using System.Globalization;
using System.Text.Json;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Doctor;

/// <summary>
/// The doctor as the command line starts it, with the privport binary under test. Ports 470-489 on loopback belong
/// to this class.
/// </summary>
public sealed class DoctorCommandLineTests(StagedPrivport privport)
{
    [Fact]
    public async Task The_command_line_gives_the_doctor_every_verb_though_it_builds_only_the_invoked_one()
    {
        Privilege.RequireRoot();

        var result = await Run.AsRootAsync(privport.Executable, "doctor", "tcp/127.0.0.1:470", "--user", 65534.ToString(CultureInfo.InvariantCulture), "--json");

        Assert.True(result.Stdout.Length > 0, result.ToString());
        var json = JsonDocument.Parse(result.Stdout).RootElement;
        var titles = json.GetProperty("causes")[0].GetProperty("fixes").EnumerateArray().Select(f => f.GetProperty("title").GetString()).ToList();
        Assert.Contains(titles, t => t!.Contains("privport forward 470", StringComparison.Ordinal));
    }
}
