using System.Text.RegularExpressions;
using Privport.Doctor;
using Privport.Tests.Packaging;

namespace Privport.Tests.Doctor;

/// <summary>The doctor sits below the verbs: it is given the verb list and reaches neither the command line nor the demo.</summary>
public sealed partial class DoctorDependencyTests
{
    [Fact]
    public void No_doctor_source_names_the_command_line_or_the_demo()
    {
        var offenders = Directory.EnumerateFiles(Path.Combine(RepositoryFiles.Root, "src", "Privport", "Doctor"), "*.cs", SearchOption.AllDirectories)
            .SelectMany(file => File.ReadLines(file).Select((line, i) => (file, line, i)))
            .Where(x => UpperFolder().IsMatch(x.line))
            .Select(x => $"{Path.GetRelativePath(RepositoryFiles.Root, x.file)}:{x.i + 1}: {x.line.Trim()}")
            .ToList();

        Assert.True(offenders.Count == 0, string.Join('\n', offenders));
    }

    [Fact]
    public void The_live_environment_lists_the_verbs_it_is_given()
    {
        var environment = DoctorEnvironment.Live(null, ["serve", "forward"]);

        Assert.Equal(new HashSet<string> { "serve", "forward" }, environment.Verbs);
    }

    [GeneratedRegex(@"\bPrivport\.(?:Demo|Commands)\b|\b(?:Commands|Demo)\.[A-Z]\w*\.")]
    private static partial Regex UpperFolder();
}
