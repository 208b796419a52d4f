using System.Collections.Immutable;
using System.Globalization;

namespace Privport.Policy;

/// <summary>The effective rules as people read them (<c>privport policy check</c>).</summary>
internal static class PolicyTextWriter
{
    public static void Write(PortPolicy policy, TextWriter output)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"# {policy.Rules.Length} rule(s) from {policy.Files.Length} file(s); anything no rule allows is denied"));
        foreach (string file in policy.Files)
        {
            output.WriteLine($"#   {file}");
        }

        foreach (var rule in policy.Rules)
        {
            output.WriteLine();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{rule.Id}  ({rule.File}:{rule.Line})"));
            if (!rule.Units.IsEmpty)
            {
                Field(output, "units", Join(rule.Units));
            }

            if (!rule.Cgroups.IsEmpty)
            {
                Field(output, "cgroups", Join(rule.Cgroups));
            }

            Field(output, "path", rule.IsKernelScoped ? "kernel only (granted at bind time in those cgroups; the broker never grants it)" : "broker (and wrap --kernel)");
            if (rule.AnyUser)
            {
                Field(output, "users", "* (any user)");
            }
            else if (rule.IsKernelScoped && rule.Users.IsEmpty && rule.Groups.IsEmpty)
            {
                Field(output, "users", "any uid in those cgroups (the cgroup is the identity)");
            }
            else if (!rule.Users.IsEmpty)
            {
                Field(output, "users", Join(rule.Users));
            }

            if (!rule.Groups.IsEmpty)
            {
                Field(output, "groups", Join(rule.Groups));
            }

            Field(output, "exe", rule.Executables.IsEmpty ? "any program" : Join(rule.Executables));
            Field(output, "ports", Join(rule.Ports));
            Field(output, "addresses", rule.Addresses.IsEmpty ? "any, wildcards included" : Join(rule.Addresses));
            if (rule.IsKernelScoped)
            {
                continue;
            }

            Field(output, "reuseport", rule.ReusePort ? "allowed on OPEN (shares a port group with any other OPEN user)" : "not on OPEN (BIND keeps the kernel's same-uid rule)");
            Field(output, "netns", rule.AnyNetworkNamespace ? "OPEN from any network namespace" : "OPEN only from the broker's network namespace");
        }
    }

    private static void Field(TextWriter output, string name, string value) => output.WriteLine($"  {name,-10} {value}");

    private static string Join<T>(ImmutableArray<T> items) => string.Join(", ", items);
}
