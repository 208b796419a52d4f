namespace Privport.Policy;

/// <summary>A policy that cannot be fully parsed; <see cref="Errors"/> holds every problem found, not just the first.</summary>
internal sealed class PolicyLoadException : Exception
{
    public PolicyLoadException(IReadOnlyList<PolicyError> errors)
        : base(Summarize(errors))
    {
        Errors = errors;
    }

    public IReadOnlyList<PolicyError> Errors { get; }

    private static string Summarize(IReadOnlyList<PolicyError> errors) => errors.Count switch
    {
        0 => "the policy has errors",
        1 => errors[0].ToString(),
        _ => $"{errors[0]} (and {errors.Count - 1} more)",
    };
}
