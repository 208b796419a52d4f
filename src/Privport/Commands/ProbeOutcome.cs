namespace Privport.Commands;

/// <summary>How a probe ended; <c>probe --json</c> writes it as <c>"outcome"</c> in lower case.</summary>
internal enum ProbeOutcome
{
    Granted,
    Denied,
    Failed,
    Unreachable,
}
