using System.Collections.Immutable;

namespace Privport.Kernel;

/// <summary>One pinned scope as the kernel holds it: its number, entry count, pins, and the cgroups its programs are attached to.</summary>
internal sealed record KernelScopeState(
    GrantScope Scope,
    uint ScopeNumber,
    int EntryCount,
    string Bind4Pin,
    string Bind6Pin,
    string GrantsPin,
    ImmutableArray<string> AttachedCgroups);
