namespace Privport.Commands;

/// <summary>
/// <c>privport policy test</c>'s arguments. <see cref="Unit"/> or <see cref="Cgroup"/> places the imagined process in
/// a systemd unit or a cgroup, where kernel-scoped rules grant.
/// </summary>
internal sealed record PolicyTestRequest(
    string? PolicyPath,
    string User,
    string? Exe,
    IReadOnlyList<string> Groups,
    bool IPv6Only,
    string Endpoint,
    string? Unit = null,
    string? Cgroup = null,
    bool Json = false);
