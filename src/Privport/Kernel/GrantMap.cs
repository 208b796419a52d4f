using System.Collections.Immutable;
using System.Buffers.Binary;
using Privport.Interop;
using static Privport.Interop.Interop.Libc;

namespace Privport.Kernel;

/// <summary>A scope's grants map (LPM trie: grant key → rule number): created, read and brought in step with a plan.</summary>
internal static class GrantMap
{
    public const uint MaxEntries = 16384;

    public static SafeFdHandle Create() =>
        BpfSystemCall.MapCreate(BPF_MAP_TYPE_LPM_TRIE, GrantKey.Size, 4, MaxEntries, BPF_F_NO_PREALLOC, "privport_grants");

    /// <summary>Writes every wanted entry first, then deletes the stale ones, so no grant in both plans ever lapses.</summary>
    public static (int Added, int Removed) Sync(SafeFdHandle map, ImmutableArray<GrantEntry> entries)
    {
        var wanted = new Dictionary<string, (byte[] Key, uint Rule)>();
        foreach (var entry in entries)
        {
            byte[] key = GrantKey.Encode(entry);
            wanted.TryAdd(Convert.ToHexString(key), (key, entry.RuleNumber));
        }

        var existing = Keys(map);
        int added = 0;
        Span<byte> value = stackalloc byte[4];
        foreach (var (hex, (key, rule)) in wanted)
        {
            added += existing.ContainsKey(hex) ? 0 : 1;
            BinaryPrimitives.WriteUInt32LittleEndian(value, rule);
            BpfSystemCall.MapUpdate(map, key, value);
        }

        int removed = 0;
        foreach (var (hex, key) in existing)
        {
            if (!wanted.ContainsKey(hex) && BpfSystemCall.MapDelete(map, key))
            {
                removed++;
            }
        }

        return (added, removed);
    }

    public static int Count(SafeFdHandle map) => Keys(map).Count;

    private static Dictionary<string, byte[]> Keys(SafeFdHandle map)
    {
        var keys = new Dictionary<string, byte[]>();
        byte[] key = [];
        byte[] next = new byte[GrantKey.Size];
        while (keys.Count <= MaxEntries && BpfSystemCall.MapGetNextKey(map, key, next))
        {
            key = (byte[])next.Clone();
            keys[Convert.ToHexString(key)] = key;
        }

        return keys;
    }
}
