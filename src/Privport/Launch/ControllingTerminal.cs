using System.Globalization;

namespace Privport.Launch;

/// <summary>Whether this process has a controlling terminal: tty_nr in /proc/self/stat (proc(5)) is 0 when it has none.</summary>
internal static class ControllingTerminal
{
    public static bool Present()
    {
        string stat = File.ReadAllText("/proc/self/stat");

        // comm may hold spaces and parentheses; the fields after it (state ppid pgrp session tty_nr ...) follow the last ')'.
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[4], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) != 0;
    }
}
