using Spectre.Console;

namespace Privport.Doctor.Output;

/// <summary>
/// The human report: the verdict first, then each cause with its evidence and fixes. The report is laid out once
/// (<see cref="Lines"/>) as styled segments; colour through Spectre.Console on a terminal, plain text when stdout is
/// not a terminal or NO_COLOR is set.
/// </summary>
internal static class DiagnosisTextWriter
{
    public static bool WantsColour(TextWriter output) =>
        output == Console.Out && !Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));

    public static void Write(Diagnosis diagnosis, TextWriter output, bool colour)
    {
        ArgumentNullException.ThrowIfNull(diagnosis);
        ArgumentNullException.ThrowIfNull(output);
        if (!colour)
        {
            foreach (var line in Lines(diagnosis))
            {
                output.WriteLine(string.Concat(line.Select(segment => segment.Text)));
            }

            return;
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            ColorSystem = ColorSystemSupport.Standard,
            Out = new AnsiConsoleOutput(output),
        });

        // Spectre wraps at the terminal width by inserting line breaks; commands must paste as one line.
        console.Profile.Width = 4096;
        foreach (var line in Lines(diagnosis))
        {
            console.MarkupLine(string.Concat(line.Select(segment =>
                segment.Style is null ? Markup.Escape(segment.Text) : $"[{segment.Style}]{Markup.Escape(segment.Text)}[/]")));
        }
    }

    /// <summary>The report, line by line, each line a run of text segments with an optional Spectre style.</summary>
    internal static IEnumerable<IReadOnlyList<Segment>> Lines(Diagnosis diagnosis)
    {
        yield return [new(diagnosis.Verdict, diagnosis.Causes.Count > 0 ? "bold red" : "bold green")];
        foreach (string note in diagnosis.Notes)
        {
            yield return [new("  "), new(note, "grey")];
        }

        int number = 0;
        foreach (var cause in diagnosis.Causes)
        {
            yield return [];
            yield return [new($"Cause {++number}:", "bold"), new(" "), new(cause.Id, "yellow"), new($" — {cause.Summary}")];
            foreach (string evidence in cause.Evidence)
            {
                yield return [new("  "), new("-", "grey"), new($" {evidence}")];
            }

            int fixNumber = 0;
            foreach (var fix in cause.Fixes)
            {
                yield return [new("  "), new($"Fix {number}.{++fixNumber}:", "bold green"), new($" {fix.Title}")];
                foreach (string command in fix.Commands)
                {
                    foreach (string line in command.Split('\n'))
                    {
                        yield return [new("      "), new(line, "cyan")];
                    }
                }

                yield return [new("    "), new($"Trade-off: {fix.Tradeoff}", "grey")];
            }
        }
    }

    /// <summary>A run of report text and the Spectre style it is shown in on a terminal (none for plain).</summary>
    internal readonly record struct Segment(string Text, string? Style = null);
}
