using Privport.Interop;
using Privport.HostFacts;

namespace Privport.Policy;

/// <summary>
/// Where a policy path leads (<see cref="RealPath"/> and its status), or that nothing is there, or what makes it
/// untrustworthy: <see cref="Problem"/> says what is wrong with <see cref="ProblemPath"/> and what to run.
/// </summary>
internal sealed record PolicyPathResult(bool Found, string? RealPath, FileStatus Status, string? ProblemPath, string? Problem)
{
    public static PolicyPathResult Resolved(string realPath, FileStatus status) => new(true, realPath, status, null, null);

    public static PolicyPathResult Missing(string path) => new(false, null, default, path, null);

    public static PolicyPathResult Failed(string path, string problem) => new(false, null, default, path, problem);
}
