using System.Diagnostics;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Launch;

/// <summary>
/// privport exec searches $PATH as the user the program will run as, as execvp(3) would for that user: a match in
/// a directory only root can search is passed over for the next one. Port 453 on loopback belongs to this class.
/// </summary>
public sealed class ExecProgramSearchTests(StagedPrivport privport)
{
    private const string Program = "privport-path-probe";

    [Fact]
    public async Task As_root_for_another_user_a_program_in_a_directory_only_root_can_search_is_passed_over()
    {
        Privilege.RequireRoot();
        string directory = Directory.CreateTempSubdirectory("privport-path-").FullName;
        try
        {
            File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
            string hidden = Directory.CreateDirectory(Path.Combine(directory, "root-only")).FullName;
            string visible = Directory.CreateDirectory(Path.Combine(directory, "public")).FullName;
            File.SetUnixFileMode(hidden, (UnixFileMode)0b111_000_000);
            File.SetUnixFileMode(visible, (UnixFileMode)0b111_101_101);
            WriteScript(Path.Combine(hidden, Program), "root-only");
            WriteScript(Path.Combine(visible, Program), "public");

            var info = new ProcessStartInfo(privport.Executable);
            foreach (string argument in new[] { "exec", "--user", "65534", "--group", "65534", "--port", "tcp/127.0.0.1:453", "--", Program })
            {
                info.ArgumentList.Add(argument);
            }

            info.Environment["PATH"] = $"{hidden}:{visible}:/usr/bin:/bin";
            var result = await Run.CompleteAsync(info);

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal("public", result.Stdout.Trim());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static void WriteScript(string path, string says)
    {
        File.WriteAllText(path, $"#!/bin/sh\necho {says}\n");
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
    }
}
