using System.Globalization;
using System.Net;
using Privport.Interop;

namespace Privport.HostFacts;

/// <summary>
/// Who holds a port: the rows of /proc/net/{tcp,tcp6,udp,udp6} for it, matched through the socket inode to the
/// /proc/PID/fd link that names it (<c>socket:[INODE]</c>, proc(5)). Only this network namespace's sockets are listed.
/// </summary>
internal static class SocketTable
{
    public static IReadOnlyList<SocketEntry> Read(HostRoot root, string protocol)
    {
        ArgumentNullException.ThrowIfNull(root);
        var entries = new List<SocketEntry>();
        foreach (string file in new[] { protocol, protocol + "6" })
        {
            foreach (string line in (root.ReadText($"/proc/net/{file}") ?? "").Split('\n').Skip(1))
            {
                if (Parse(file, line) is { } entry)
                {
                    entries.Add(entry);
                }
            }
        }

        return entries;
    }

    /// <summary>Sockets bound to the port (TIME_WAIT rows included), each with its owner when /proc lets us see it.</summary>
    public static IReadOnlyList<PortHolder> Holders(HostRoot root, string protocol, int port)
    {
        var sockets = Read(root, protocol).Where(e => e.Port == port).ToList();
        if (sockets.Count == 0)
        {
            return [];
        }

        var owners = FindOwners(root, sockets.Where(s => s.Inode != 0).Select(s => s.Inode).ToHashSet());
        var holders = new List<PortHolder>();
        foreach (var socket in sockets)
        {
            string? user = UserDatabase.FindUser(socket.Uid)?.Name;
            if (owners.TryGetValue(socket.Inode, out int pid))
            {
                string? comm = root.ReadFirstLine($"/proc/{pid}/comm");
                string? cmdline = root.ReadText($"/proc/{pid}/cmdline")?.TrimEnd('\0').Replace('\0', ' ').ReplaceLineEndings(" ");
                string? exe = null;
                try
                {
                    exe = new FileInfo(root.Path($"/proc/{pid}/exe")).LinkTarget;
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }

                holders.Add(new PortHolder(socket, pid, comm, cmdline, socket.Uid, user, exe, Unit(root, pid)));
            }
            else
            {
                holders.Add(new PortHolder(socket, null, null, null, socket.Uid, user, null, null));
            }
        }

        return holders;
    }

    public static SocketEntry? Parse(string protocol, string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 10 || fields[1].Split(':') is not [{ } hexAddress, { } hexPort])
        {
            return null;
        }

        if (!int.TryParse(hexPort, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int port)
            || !int.TryParse(fields[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int state)
            || !uint.TryParse(fields[7], CultureInfo.InvariantCulture, out uint uid)
            || !ulong.TryParse(fields[9], CultureInfo.InvariantCulture, out ulong inode)
            || DecodeAddress(hexAddress) is not { } address)
        {
            return null;
        }

        return new SocketEntry(protocol, address, port, state, uid, inode);
    }

    /// <summary>/proc/net prints each 32-bit word of the address in host byte order (little-endian here).</summary>
    public static IPAddress? DecodeAddress(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        if (hex.Length is not (8 or 32))
        {
            return null;
        }

        byte[] bytes = new byte[hex.Length / 2];
        for (int word = 0; word < hex.Length / 8; word++)
        {
            if (!uint.TryParse(hex.AsSpan(word * 8, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out uint value))
            {
                return null;
            }

            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(word * 4), value);
        }

        return new IPAddress(bytes);
    }

    private static Dictionary<ulong, int> FindOwners(HostRoot root, HashSet<ulong> inodes)
    {
        var owners = new Dictionary<ulong, int>();
        if (inodes.Count == 0)
        {
            return owners;
        }

        IEnumerable<string> processes;
        try
        {
            processes = Directory.EnumerateDirectories(root.Path("/proc"));
        }
        catch (IOException)
        {
            return owners;
        }

        foreach (string directory in processes)
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            try
            {
                foreach (string fd in Directory.EnumerateFileSystemEntries(Path.Combine(directory, "fd")))
                {
                    if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal)
                        && ulong.TryParse(target.AsSpan(8, target.Length - 9), CultureInfo.InvariantCulture, out ulong inode)
                        && inodes.Contains(inode))
                    {
                        owners.TryAdd(inode, pid);
                    }
                }
            }
            catch (IOException)
            {
                // The process exited while we looked.
            }
            catch (UnauthorizedAccessException)
            {
                // Another user's process: only root sees its descriptors; the row's uid still names the owner.
            }
        }

        return owners;
    }

    private static string? Unit(HostRoot root, int pid)
    {
        // 0::/system.slice/nginx.service
        foreach (string line in (root.ReadText($"/proc/{pid}/cgroup") ?? "").Split('\n'))
        {
            string last = line.Split('/')[^1];
            if (last.EndsWith(".service", StringComparison.Ordinal) || last.EndsWith(".socket", StringComparison.Ordinal)
                || last.EndsWith(".scope", StringComparison.Ordinal))
            {
                return last;
            }
        }

        return null;
    }
}
