using System.Collections.Immutable;
using System.Globalization;
using Tomlyn.Syntax;

namespace Privport.Policy;

/// <summary>users and groups: names resolved now, so a typo fails the load instead of silently matching nobody.</summary>
internal sealed partial class RuleParser
{
    private ImmutableArray<AccountId> ReadUsers(KeyValueSyntax entry, out bool anyUser)
    {
        anyUser = false;
        var builder = ImmutableArray.CreateBuilder<AccountId>();
        foreach (var item in Items(entry, "users", "names or uids", "[\"www-data\"]",
            "is empty; list user names or uids, or write users = [\"*\"] to allow any user"))
        {
            if (item is StringValueSyntax { Value: "*" })
            {
                anyUser = true;
            }
            else if (ReadAccount(item, "users", "user", "uid", _accounts.FindUid) is { } user)
            {
                builder.Add(user);
            }
        }

        return builder.ToImmutable();
    }

    private ImmutableArray<AccountId> ReadGroups(KeyValueSyntax entry)
    {
        var builder = ImmutableArray.CreateBuilder<AccountId>();
        foreach (var item in Items(entry, "groups", "names or gids", "[\"web\"]",
            "is empty; list group names or gids, or remove the key"))
        {
            if (item is StringValueSyntax { Value: "*" })
            {
                _diagnostics.Error(_file, item, "groups", "'*' is for users only; to allow any user write users = [\"*\"] and remove groups");
            }
            else if (ReadAccount(item, "groups", "group", "gid", _accounts.FindGid) is { } group)
            {
                builder.Add(group);
            }
        }

        return builder.ToImmutable();
    }

    private AccountId? ReadAccount(ValueSyntax item, string field, string noun, string idName, Func<string, uint?> find)
    {
        switch (item)
        {
            case IntegerValueSyntax { Value: var number }:
                if (number is >= 0 and < AccountId.Invalid)
                {
                    return new AccountId((uint)number, null);
                }

                _diagnostics.Error(_file, item, field,
                    string.Create(CultureInfo.InvariantCulture, $"{number} is not a {idName}; {idName}s run from 0 to {AccountId.Invalid - 1}"));
                return null;
            case StringValueSyntax { Value: { } text }:
                if (AccountId.TryParseNumber(text, out uint id))
                {
                    return new AccountId(id, null);
                }

                // The name service would read the name only up to the NUL: "www-data\0x" would name www-data.
                if (text.Contains('\0', StringComparison.Ordinal))
                {
                    _diagnostics.Error(_file, item, field,
                        $"'{text.Replace("\0", "\\u0000", StringComparison.Ordinal)}' holds a NUL character (\\u0000), which no {noun} name can; write the {noun}'s name or {idName} alone");
                    return null;
                }

                if (find(text) is { } found)
                {
                    return new AccountId(found, text);
                }

                _diagnostics.Error(_file, item, field,
                    $"unknown {noun} '{text}': no such account on this host; create it, fix the name, or write the numeric {idName}");
                return null;
            default:
                _diagnostics.Error(_file, item, field, $"must be an array of {noun} names or {idName}s; {Describe(item)} is neither");
                return null;
        }
    }
}
