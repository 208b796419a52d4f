using System.Text.RegularExpressions;

namespace Privport.Doctor.Explain;

/// <summary>Every place in an excerpt that names an errno, in any of <see cref="ErrnoForms"/>.</summary>
internal static class ErrnoScanner
{
    public static List<ErrnoClue> Find(string text)
    {
        var found = new List<ErrnoClue>();
        foreach (var (form, score, pattern) in ErrnoForms.All)
        {
            foreach (Match match in pattern.Matches(text))
            {
                if (ErrnoForms.ErrnoOf(match) is { } errno)
                {
                    found.Add(new ErrnoClue(errno, match.Index, match.Length, form, score));
                }
            }
        }

        return found;
    }
}
