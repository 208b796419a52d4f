using System.Globalization;

namespace Privport.Tests.Doctor;

/// <summary>
/// One real bind-failure message from a public source, with what the doctor must read from it. Files in
/// Doctor/Corpus: <c># key: value</c> header lines, a <c>---</c> line, then the message exactly as it was published.
/// Keys: <c>source</c> (where the message was published), <c>writer</c> (the program and version that printed it;
/// defaults to <c>program</c>), <c>port</c> and <c>errno</c> (<c>-</c> when the message says none), and optionally
/// <c>program</c> (the name the doctor gives it), <c>address</c>, <c>protocol</c>.
/// </summary>
public sealed record CorpusSample(
    string Name, string Source, string Writer, string? Program, int? Port, string? Errno, string? Address, string? Protocol, string Text)
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Doctor", "Corpus");

    public static IEnumerable<string> Names() =>
        System.IO.Directory.EnumerateFiles(Directory, "*.txt").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal)!;

    public static IReadOnlyList<CorpusSample> All() => Names().Select(Load).ToList();

    public static CorpusSample Load(string name)
    {
        string[] lines = File.ReadAllLines(Path.Combine(Directory, name + ".txt"));
        int separator = Array.IndexOf(lines, "---");
        if (separator < 0)
        {
            throw new FormatException($"{name}.txt: no '---' line between the header and the message");
        }

        var header = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in lines[..separator])
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (!line.StartsWith("# ", StringComparison.Ordinal) || colon < 0)
            {
                throw new FormatException($"{name}.txt: header line '{line}' is not '# key: value'");
            }

            header[line[2..colon]] = line[(colon + 1)..].Trim();
        }

        string? Optional(string key) => header.TryGetValue(key, out string? value) && value is not ("null" or "-" or "") ? value : null;
        string Required(string key) => header.TryGetValue(key, out string? value)
            ? value
            : throw new FormatException($"{name}.txt: no '# {key}:' line (give '-' when the message says none)");

        _ = Required("port");
        _ = Required("errno");
        string? program = Optional("program");
        return new CorpusSample(
            name,
            Required("source"),
            Optional("writer") ?? program ?? throw new FormatException($"{name}.txt: neither '# writer:' nor '# program:'"),
            program,
            Optional("port") is { } port ? int.Parse(port, CultureInfo.InvariantCulture) : null,
            Optional("errno"),
            Optional("address"),
            Optional("protocol"),
            string.Join('\n', lines[(separator + 1)..]));
    }
}
