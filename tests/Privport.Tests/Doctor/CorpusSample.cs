namespace Privport.Tests.Doctor;

/// <summary>
/// One real bind-failure message from a public source, with what the doctor must read from it. Files in
/// Doctor/Corpus: <c># key: value</c> header lines (source, program, port, errno, address, protocol), a <c>---</c>
/// line, then the message exactly as it was published.
/// </summary>
public sealed record CorpusSample(string Name, string Source, string Program, int? Port, string? Errno, string? Address, string? Protocol, string Text)
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Doctor", "Corpus");

    public static IEnumerable<string> Names() =>
        System.IO.Directory.EnumerateFiles(Directory, "*.txt").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal)!;

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

        string? Optional(string key) => header.TryGetValue(key, out string? value) && value != "null" ? value : null;
        return new CorpusSample(
            name,
            header["source"],
            header["program"],
            Optional("port") is { } port ? int.Parse(port, System.Globalization.CultureInfo.InvariantCulture) : null,
            Optional("errno"),
            Optional("address"),
            Optional("protocol"),
            string.Join('\n', lines[(separator + 1)..]));
    }
}
