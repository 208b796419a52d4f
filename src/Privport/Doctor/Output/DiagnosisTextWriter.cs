using Spectre.Console;

namespace Privport.Doctor.Output;

/// <summary>
/// The human report: the verdict first, then each cause with its evidence and fixes. Colour through Spectre.Console
/// on a terminal; plain text when stdout is not a terminal or NO_COLOR is set.
/// </summary>
internal static class DiagnosisTextWriter
{
    public static bool WantsColour(TextWriter output) =>
        output == Console.Out && !Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));

    public static void Write(Diagnosis diagnosis, TextWriter output, bool colour)
    {
        ArgumentNullException.ThrowIfNull(diagnosis);
        ArgumentNullException.ThrowIfNull(output);
        if (colour)
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.Yes,
                ColorSystem = ColorSystemSupport.Standard,
                Out = new AnsiConsoleOutput(output),
            });

            // Spectre wraps at the terminal width by inserting line breaks; commands must paste as one line.
            console.Profile.Width = 4096;
            WriteRich(diagnosis, console);
        }
        else
        {
            WritePlain(diagnosis, output);
        }
    }

    private static void WritePlain(Diagnosis diagnosis, TextWriter output)
    {
        output.WriteLine(diagnosis.Verdict);
        foreach (string note in diagnosis.Notes)
        {
            output.WriteLine($"  {note}");
        }

        int number = 0;
        foreach (var cause in diagnosis.Causes)
        {
            output.WriteLine();
            output.WriteLine($"Cause {++number}: {cause.Id} — {cause.Summary}");
            foreach (string evidence in cause.Evidence)
            {
                output.WriteLine($"  - {evidence}");
            }

            int fixNumber = 0;
            foreach (var fix in cause.Fixes)
            {
                output.WriteLine($"  Fix {number}.{++fixNumber}: {fix.Title}");
                foreach (string command in fix.Commands)
                {
                    foreach (string line in command.Split('\n'))
                    {
                        output.WriteLine($"      {line}");
                    }
                }

                output.WriteLine($"    Trade-off: {fix.Tradeoff}");
            }
        }
    }

    private static void WriteRich(Diagnosis diagnosis, IAnsiConsole console)
    {
        string colour = diagnosis.Causes.Count > 0 ? "red" : "green";
        console.MarkupLine($"[bold {colour}]{Markup.Escape(diagnosis.Verdict)}[/]");
        foreach (string note in diagnosis.Notes)
        {
            console.MarkupLine($"  [grey]{Markup.Escape(note)}[/]");
        }

        int number = 0;
        foreach (var cause in diagnosis.Causes)
        {
            console.WriteLine();
            console.MarkupLine($"[bold]Cause {++number}:[/] [yellow]{Markup.Escape(cause.Id)}[/] — {Markup.Escape(cause.Summary)}");
            foreach (string evidence in cause.Evidence)
            {
                console.MarkupLine($"  [grey]-[/] {Markup.Escape(evidence)}");
            }

            int fixNumber = 0;
            foreach (var fix in cause.Fixes)
            {
                console.MarkupLine($"  [bold green]Fix {number}.{++fixNumber}:[/] {Markup.Escape(fix.Title)}");
                foreach (string command in fix.Commands)
                {
                    foreach (string line in command.Split('\n'))
                    {
                        console.MarkupLine($"      [cyan]{Markup.Escape(line)}[/]");
                    }
                }

                console.MarkupLine($"    [grey]Trade-off: {Markup.Escape(fix.Tradeoff)}[/]");
            }
        }
    }
}
