namespace Privport.Client;

/// <summary>What the broker decided about a request.</summary>
public enum ReplyDecision : byte
{
    /// <summary>No decision was made: the request was malformed or failed before the policy was asked.</summary>
    None = 0,

    /// <summary>A policy rule allowed the endpoint.</summary>
    Allow = 1,

    /// <summary>No policy rule allowed the endpoint.</summary>
    Deny = 2,
}
