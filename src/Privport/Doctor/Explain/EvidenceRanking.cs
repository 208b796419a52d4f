using System.Text.RegularExpressions;

namespace Privport.Doctor.Explain;

/// <summary>
/// Chooses the endpoint and the errno that belong together. An endpoint is believed more when an errno is named on
/// its line or just below it (exception chains put the cause under the endpoint), when its line speaks of binding or
/// failing, and when other lines name the same port; the errno is the one on the endpoint's line, else the nearest
/// one below or just above it, else the strongest in the excerpt.
/// </summary>
internal static partial class EvidenceRanking
{
    private const int SameLine = 25;
    private const int NearbyLines = 12;
    private const int Nearby = 12;
    private const int FailureWords = 10;
    private const int AgreeingLine = 5;
    private const int MaxAgreement = 10;

    public static EndpointCandidate? ChooseEndpoint(IReadOnlyList<EndpointCandidate> candidates, IReadOnlyList<ErrnoClue> clues, TextLines lines, string text)
    {
        EndpointCandidate? best = null;
        int bestScore = int.MinValue;
        foreach (var candidate in candidates)
        {
            int line = lines.LineOf(candidate.Index);
            int score = candidate.Score + ErrnoProximity(line, clues, lines) + Agreement(candidate, candidates, lines, line);
            if (FailureWordsPattern().IsMatch(LineText(text, lines, candidate.Index)))
            {
                score += FailureWords;
            }

            if (score > bestScore || (score == bestScore && best is not null && candidate.Index < best.Index))
            {
                (best, bestScore) = (candidate, score);
            }
        }

        return best;
    }

    public static ErrnoClue? ChooseErrno(IReadOnlyList<ErrnoClue> clues, EndpointCandidate? endpoint, TextLines lines)
    {
        if (clues.Count == 0)
        {
            return null;
        }

        ErrnoClue? best = null;
        int bestScore = int.MinValue;
        int? endpointLine = endpoint is null ? null : lines.LineOf(endpoint.Index);
        foreach (var clue in clues)
        {
            int score = clue.Score;
            if (endpointLine is { } line)
            {
                int distance = lines.LineOf(clue.Index) - line;
                score += distance == 0 ? 100 : distance is > 0 and <= NearbyLines ? 50 - (3 * distance) : distance is >= -2 and < 0 ? 40 + (3 * distance) : 0;
            }

            if (score > bestScore || (score == bestScore && best is not null && clue.Index < best.Index))
            {
                (best, bestScore) = (clue, score);
            }
        }

        return best;
    }

    private static int ErrnoProximity(int line, IReadOnlyList<ErrnoClue> clues, TextLines lines)
    {
        int bonus = 0;
        foreach (var clue in clues)
        {
            int distance = lines.LineOf(clue.Index) - line;
            bonus = Math.Max(bonus, distance == 0 ? SameLine : distance is >= -2 and <= NearbyLines ? Nearby : 0);
        }

        return bonus;
    }

    private static int Agreement(EndpointCandidate candidate, IReadOnlyList<EndpointCandidate> candidates, TextLines lines, int line)
    {
        var agreeingLines = new HashSet<int>();
        foreach (var other in candidates)
        {
            if (other.Port == candidate.Port && lines.LineOf(other.Index) is int otherLine && otherLine != line)
            {
                agreeingLines.Add(otherLine);
            }
        }

        return Math.Min(MaxAgreement, AgreeingLine * agreeingLines.Count);
    }

    private static ReadOnlySpan<char> LineText(string text, TextLines lines, int index)
    {
        int start = index - lines.ColumnOf(index);
        int end = text.IndexOf('\n', start);
        return text.AsSpan(start, (end < 0 ? text.Length : end) - start);
    }

    [GeneratedRegex(@"\bbind|\blisten|\bsocket|fail|could not|can't|cannot|unable|in use|already|denied|refused", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, 1000)]
    private static partial Regex FailureWordsPattern();
}
