namespace Privport.Doctor.Causes;

/// <summary>Quotes a word for a POSIX shell only when it needs it, so printed commands paste as they read.</summary>
internal static class ShellWord
{
    public static string Quote(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        bool plain = word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '_' or '-' or ':' or '+' or '=' or ',' or '@');
        return plain ? word : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }
}
