namespace Privport.Launch;

/// <summary>libprivport.so, the LD_PRELOAD shim, which the build places next to the privport executable.</summary>
internal static class PreloadShim
{
    public const string FileName = "libprivport.so";

    /// <summary>The shim beside <paramref name="executable"/>, or null when it is not there.</summary>
    public static string? Locate(string? executable)
    {
        string? directory = Path.GetDirectoryName(executable);
        string? path = directory is null ? null : Path.Combine(directory, FileName);
        return path is not null && File.Exists(path) ? path : null;
    }

    /// <summary>LD_PRELOAD with the shim appended, keeping whatever the caller preloads already.</summary>
    public static string AppendTo(string? preload, string shim) =>
        string.IsNullOrWhiteSpace(preload) ? shim : $"{preload}:{shim}";
}
