using System.Text.Json;

namespace Privport.Tests.Launch.Terminal;

/// <summary>What root_shell.py saw, and the attacking program's own report when it printed one.</summary>
internal sealed class ShellSession(JsonElement session)
{
    public int? Status => session.GetProperty("status").ValueKind == JsonValueKind.Number ? session.GetProperty("status").GetInt32() : null;

    /// <summary>Everything that reached the terminal.</summary>
    public string Terminal => session.GetProperty("terminal").GetString()!;

    /// <summary>Everything that reached the job's output pipe (mode "redirected").</summary>
    public string Pipe => session.GetProperty("pipe").GetString()!;

    /// <summary>What root's shell would read next from the terminal.</summary>
    public string Queue => session.GetProperty("queue").GetString()!;

    public JsonElement Report
    {
        get
        {
            string line = (Terminal + "\n" + Pipe).Split('\n').Select(l => l.Trim()).First(l => l.StartsWith('{'));
            return JsonDocument.Parse(line).RootElement.Clone();
        }
    }

    public override string ToString() => session.ToString();
}
