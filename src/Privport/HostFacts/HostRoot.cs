namespace Privport.HostFacts;

/// <summary>
/// Where the probes find /proc, /sys, /etc and /var/log: <c>/</c> on a live host, a fixture tree in tests.
/// </summary>
internal sealed record HostRoot(string Root)
{
    public static readonly HostRoot Live = new("/");

    /// <summary>The host path <paramref name="absolute"/> under this root.</summary>
    public string Path(string absolute) =>
        Root == "/" ? absolute : System.IO.Path.Join(Root, absolute);

    public string? ReadText(string absolute)
    {
        try
        {
            return File.ReadAllText(Path(absolute));
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    public string? ReadFirstLine(string absolute) =>
        ReadText(absolute) is { } text ? text.Split('\n', 2)[0].Trim() : null;

    /// <summary>The last <paramref name="maxBytes"/> of a log file, whole lines only; null when it cannot be read.</summary>
    public string? ReadTail(string absolute, int maxBytes = 2 << 20)
    {
        try
        {
            using var stream = File.OpenRead(Path(absolute));
            long start = Math.Max(0, stream.Length - maxBytes);
            stream.Position = start;
            using var reader = new StreamReader(stream);
            string text = reader.ReadToEnd();
            return start == 0 ? text : text[(text.IndexOf('\n', StringComparison.Ordinal) + 1)..];
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
