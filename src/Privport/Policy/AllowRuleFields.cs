namespace Privport.Policy;

/// <summary>
/// One <c>[[allow]]</c> table as it is to be written into a policy file: the values as text, before the policy loader
/// resolves and checks them. An empty list is a key left out; <see cref="Comments"/> go on the lines above the table.
/// </summary>
internal sealed record AllowRuleFields
{
    public string? Name { get; init; }

    public IReadOnlyList<string> Comments { get; init; } = [];

    public IReadOnlyList<string> Units { get; init; } = [];

    public IReadOnlyList<string> Cgroups { get; init; } = [];

    public IReadOnlyList<string> Users { get; init; } = [];

    public IReadOnlyList<string> Groups { get; init; } = [];

    public IReadOnlyList<string> Exe { get; init; } = [];

    public IReadOnlyList<string> Ports { get; init; } = [];

    public IReadOnlyList<string> Addresses { get; init; } = [];

    public bool ReusePort { get; init; }

    public bool AnyNetworkNamespace { get; init; }
}
