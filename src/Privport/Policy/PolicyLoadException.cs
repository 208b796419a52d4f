using Privport.Config;

namespace Privport.Policy;

/// <summary>A policy that cannot be fully parsed; <see cref="Errors"/> holds every problem found, not just the first.</summary>
internal sealed class PolicyLoadException : Exception
{
    public PolicyLoadException(IReadOnlyList<ConfigError> errors)
        : base(Summarize(errors))
    {
        Errors = errors;
    }

    public IReadOnlyList<ConfigError> Errors { get; }

    private static string Summarize(IReadOnlyList<ConfigError> errors) => errors.Count switch
    {
        0 => "the policy has errors",
        1 => errors[0].ToString(),
        _ => $"{errors[0]} (and {errors.Count - 1} more)",
    };
}
