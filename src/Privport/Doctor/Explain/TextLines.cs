namespace Privport.Doctor.Explain;

/// <summary>Line numbers and columns of offsets in a pasted excerpt.</summary>
internal sealed class TextLines
{
    private readonly List<int> _starts = [0];

    public TextLines(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        for (int i = text.IndexOf('\n', StringComparison.Ordinal); i >= 0; i = text.IndexOf('\n', i + 1))
        {
            _starts.Add(i + 1);
        }
    }

    /// <summary>0-based line of an offset.</summary>
    public int LineOf(int index)
    {
        int found = _starts.BinarySearch(index);
        return found >= 0 ? found : ~found - 1;
    }

    public int ColumnOf(int index) => index - _starts[LineOf(index)];
}
