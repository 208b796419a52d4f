using System.Collections.Immutable;
using Privport.Policy;
using Privport.Kernel;

namespace Privport.Policy;

/// <summary>
/// Whom a kernel-scoped rule grants, as the BPF program can see it: a uid, or the process's gid (the kernel shows the
/// program no supplementary groups, so a group also grants each member the group database lists, by uid).
/// </summary>
internal static class KernelSubjects
{
    public static ImmutableArray<GrantSubject> Of(PolicyRule rule, IAccountDirectory accounts)
    {
        // Without users or groups the cgroup alone is the identity.
        if (rule.AnyUser || (rule.Users.IsEmpty && rule.Groups.IsEmpty))
        {
            return [GrantSubject.AnyUser];
        }

        var subjects = new List<GrantSubject>();
        foreach (var user in rule.Users)
        {
            Add(subjects, GrantSubject.User(user.Id));
        }

        foreach (var group in rule.Groups)
        {
            Add(subjects, GrantSubject.Group(group.Id));
            foreach (string member in accounts.MemberNamesOf(group.Id))
            {
                if (accounts.FindUid(member) is { } uid)
                {
                    Add(subjects, GrantSubject.User(uid));
                }
            }
        }

        return [.. subjects];
    }

    private static void Add(List<GrantSubject> subjects, GrantSubject subject)
    {
        if (!subjects.Contains(subject))
        {
            subjects.Add(subject);
        }
    }
}
