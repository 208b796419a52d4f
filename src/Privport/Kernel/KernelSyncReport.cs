using System.Collections.Immutable;

namespace Privport.Kernel;

/// <summary>What one <see cref="KernelGrantStore.Sync"/> changed: scopes created, updated and removed, entries, attachments.</summary>
internal sealed record KernelSyncReport(
    ImmutableArray<GrantScope> Created,
    ImmutableArray<GrantScope> Updated,
    ImmutableArray<GrantScope> Removed,
    int EntriesAdded,
    int EntriesRemoved,
    ImmutableArray<string> AttachedTo);
