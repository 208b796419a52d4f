namespace Privport.Broker;

/// <summary>The answer to a KERNEL_ENROL request: status 0 or an errno, the short reason for the reply, and the
/// lines of the detail datagram (what was granted, what was left out and why).</summary>
internal readonly record struct KernelEnrolmentOutcome(int Status, string Reason, IReadOnlyList<string> Lines);
