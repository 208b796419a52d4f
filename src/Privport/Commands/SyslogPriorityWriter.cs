using System.Globalization;
using System.Text;

namespace Privport.Commands;

/// <summary>
/// Writes each line to <paramref name="inner"/> whole, prefixed "&lt;N&gt;" (sd-daemon(3)): journald gives every
/// line of a stream its own priority, so a message spanning lines carries the prefix on each.
/// </summary>
internal sealed class SyslogPriorityWriter(TextWriter inner, int priority) : TextWriter(CultureInfo.InvariantCulture)
{
    private readonly string _prefix = $"<{priority}>";
    private readonly StringBuilder _line = new();
    private readonly Lock _gate = new();

    public override Encoding Encoding => inner.Encoding;

    public override void Write(char value)
    {
        lock (_gate)
        {
            Append(value);
        }
    }

    public override void Write(string? value)
    {
        lock (_gate)
        {
            foreach (char c in value ?? "")
            {
                Append(c);
            }
        }
    }

    public override void Flush()
    {
        lock (_gate)
        {
            if (_line.Length > 0)
            {
                inner.Write(_prefix + _line);
                _line.Clear();
            }

            inner.Flush();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Flush();
        }

        base.Dispose(disposing);
    }

    private void Append(char value)
    {
        if (value == '\r')
        {
            return;
        }

        if (value != '\n')
        {
            _line.Append(value);
            return;
        }

        inner.Write(_prefix + _line + "\n");
        _line.Clear();
    }
}
