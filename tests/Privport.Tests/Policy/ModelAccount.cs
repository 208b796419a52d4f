namespace Privport.Tests.Policy;

/// <summary>A user or group as written in TOML, and the id it stands for (null: <c>"*"</c>).</summary>
internal sealed record ModelAccount(string Toml, uint? Id)
{
    public override string ToString() => Toml;
}
