namespace Privport.HostFacts;

/// <summary>A process holding a socket: its pid, command, user, and the systemd unit its cgroup names.</summary>
internal sealed record PortHolder(SocketEntry Socket, int? Pid, string? Command, string? CommandLine, uint Uid, string? UserName, string? Executable, string? Unit);
