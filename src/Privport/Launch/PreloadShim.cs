namespace Privport.Launch;

/// <summary>
/// libprivport.so, the LD_PRELOAD shim, which the build places next to the privport executable and the package
/// installs in ../lib/privport/ relative to it (/usr/bin/privport, /usr/lib/privport/libprivport.so).
/// </summary>
internal static class PreloadShim
{
    public const string FileName = "libprivport.so";

    /// <summary>The shim beside <paramref name="executable"/> or where the package puts it, or null when it is in neither.</summary>
    public static string? Locate(string? executable)
    {
        string? directory = Path.GetDirectoryName(executable);
        if (directory is null)
        {
            return null;
        }

        string beside = Path.Combine(directory, FileName);
        if (File.Exists(beside))
        {
            return beside;
        }

        string installed = Path.GetFullPath(Path.Combine(directory, "..", "lib", "privport", FileName));
        return File.Exists(installed) ? installed : null;
    }

    /// <summary>LD_PRELOAD with the shim appended, keeping whatever the caller preloads already.</summary>
    public static string AppendTo(string? preload, string shim) =>
        string.IsNullOrWhiteSpace(preload) ? shim : $"{preload}:{shim}";
}
