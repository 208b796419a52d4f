namespace Privport.Launch;

/// <summary>
/// The drop cannot be made complete with what this process holds; nothing was changed. The message names what is
/// missing and where to add it.
/// </summary>
internal sealed class PrivilegeDropException(string message) : Exception(message);
