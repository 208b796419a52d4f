using System.Diagnostics;
using System.Text;
using Privport.Tests.Infrastructure;
using Privport.Tests.Packaging;

namespace Privport.Tests.Launch;

/// <summary>
/// The shim takes itself out of LD_PRELOAD for the wrapped program's children and keeps everything else the user
/// preloads, however long the list.
/// </summary>
public sealed class ShimPreloadListTests(StagedPrivport privport)
{
    [Fact]
    public async Task A_child_of_a_wrapped_program_keeps_every_other_preload_of_a_list_longer_than_4096_bytes()
    {
        Privilege.RequireRoot();
        Assert.SkipWhen(RepositoryFiles.FindTool("cc") is null, "needs a C compiler to build the preloaded libraries");
        string directory = Directory.CreateTempSubdirectory("privport-preload-").FullName;
        try
        {
            string source = Path.Combine(directory, "empty.c");
            await File.WriteAllTextAsync(source, "int privport_test_symbol;\n", TestContext.Current.CancellationToken);
            foreach (string library in new[] { "libpad.so", "libmarker.so" })
            {
                var compile = await Run.AsRootAsync("cc", "-shared", "-fPIC", "-o", Path.Combine(directory, library), source);
                Assert.True(compile.ExitCode == 0, compile.ToString());
            }

            // The same library under many long names ("./" repeated), then, as long, the one that must reach the child.
            var preload = new StringBuilder();
            for (int i = 0; i < 12; i++)
            {
                preload.Append(directory).Append('/').Append(string.Concat(Enumerable.Repeat("./", 400))).Append("libpad.so:");
            }

            preload.Append(directory).Append('/').Append(string.Concat(Enumerable.Repeat("./", 400))).Append("libmarker.so");
            Assert.True(preload.Length > 8192);

            var info = new ProcessStartInfo(privport.Executable);
            foreach (string argument in new[] { "wrap", "--", "/bin/sh", "-c", "cat /proc/self/maps" })
            {
                info.ArgumentList.Add(argument);
            }

            info.Environment["LD_PRELOAD"] = preload.ToString();
            var result = await Run.CompleteAsync(info);

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains("libmarker.so", result.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("libprivport.so", result.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
