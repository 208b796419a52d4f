using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Privport.Config;
using Privport.Interop;

namespace Privport.Policy;

/// <summary>
/// Turns an authbind configuration (byport/, byaddr/, byuid/) into an equivalent privport policy. authbind grants a
/// byport or byaddr file to whoever may execute it (owner, group or others) and a byuid file's lines to that uid;
/// it cannot tell TCP from UDP, so each rule allows both, and a comment says so.
/// </summary>
internal sealed class AuthbindImporter
{
    private const uint OwnerExecute = 0x40;
    private const uint GroupExecute = 0x8;
    private const uint OtherExecute = 0x1;

    private readonly Func<string, FileStatus> _status;
    private readonly List<string> _skipped = [];
    private readonly StringBuilder _toml = new();

    /// <summary>Reads each file's owner and mode from the file system, as authbind's helper does (following links).</summary>
    public AuthbindImporter()
        : this(ReadStatus)
    {
    }

    /// <param name="status">The owner and mode of a file, or an <see cref="IOException"/> when it cannot be read.</param>
    public AuthbindImporter(Func<string, FileStatus> status)
    {
        _status = status;
    }

    /// <summary>The policy text and, for each thing that could not be carried over, why.</summary>
    public (string Toml, IReadOnlyList<string> Skipped) Import(string directory)
    {
        _toml.Append(TomlText.Comment($"Imported from {directory} by privport policy import-authbind."));
        _toml.Append(TomlText.Comment("authbind does not tell TCP from UDP, so each rule allows both: narrow them to what the service uses."));
        foreach (string file in Files(directory, "byport"))
        {
            if (ParsePort(Path.GetFileName(file)) is { } port)
            {
                AddByPermission(file, $"byport-{port}", [$"tcp/{port}", $"udp/{port}"], addresses: []);
            }
            else
            {
                Skip(file, "is not a port number");
            }
        }

        foreach (string file in Files(directory, "byaddr"))
        {
            if (ParseAddressAndPort(Path.GetFileName(file)) is { } target)
            {
                AddByPermission(file, $"byaddr-{Identifier(target.Address)}-{target.Port}", [$"tcp/{target.Port}", $"udp/{target.Port}"], AddressesFor(target.Address, target.Address));
            }
            else
            {
                Skip(file, "is not ADDRESS,PORT or IPV4:PORT");
            }
        }

        foreach (string file in Files(directory, "byuid"))
        {
            string name = Path.GetFileName(file).TrimStart('!');
            if (!uint.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out uint uid))
            {
                Skip(file, "is not a uid");
                continue;
            }

            ImportUidFile(file, uid);
        }

        return (_toml.ToString(), _skipped);
    }

    private static IEnumerable<string> Files(string directory, string kind)
    {
        string path = Path.Combine(directory, kind);
        return Directory.Exists(path) ? Directory.GetFiles(path).Order(StringComparer.Ordinal) : [];
    }

    private void AddByPermission(string file, string id, string[] ports, string[] addresses)
    {
        FileStatus owner;
        try
        {
            owner = _status(file);
        }
        catch (IOException e)
        {
            Skip(file, $"cannot read its owner and mode ({e.Message}); check that root can read it and import again");
            return;
        }

        if ((owner.Mode & OtherExecute) != 0)
        {
            AddRule($"authbind-{id}", users: ["*"], groups: [], ports, addresses);
            return;
        }

        bool any = false;
        if ((owner.Mode & OwnerExecute) != 0 && owner.Uid != 0)
        {
            AddRule($"authbind-{id}-owner", users: [owner.Uid.ToString(CultureInfo.InvariantCulture)], groups: [], ports, addresses);
            any = true;
        }

        if ((owner.Mode & GroupExecute) != 0 && owner.Gid != 0)
        {
            AddRule($"authbind-{id}-group", users: [], groups: [owner.Gid.ToString(CultureInfo.InvariantCulture)], ports, addresses);
            any = true;
        }

        if (!any)
        {
            Skip(file, "lets no one but root use it (no execute permission for others)");
        }
    }

    private void ImportUidFile(string file, uint uid)
    {
        int number = 0;
        foreach (string raw in File.ReadLines(file))
        {
            number++;
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (AuthbindUidLine.TryParse(line) is { } grant)
            {
                string ports = grant.FirstPort == grant.LastPort ? $"{grant.FirstPort}" : $"{grant.FirstPort}-{grant.LastPort}";
                AddRule($"authbind-byuid-{uid}-line-{number}", users: [uid.ToString(CultureInfo.InvariantCulture)], groups: [],
                    [$"tcp/{ports}", $"udp/{ports}"], AddressesFor(grant.FirstAddress, grant.LastAddress));
            }
            else
            {
                Skip($"{file}:{number}", $"'{line}' is not a line authbind understands (it ignores it too)");
            }
        }
    }

    /// <summary>
    /// The privport addresses covering first..last exactly. A prefix never grants the wildcard in privport, while an
    /// authbind range that starts at 0.0.0.0 (or ::) does; so the wildcard is listed on its own when covered.
    /// </summary>
    private static string[] AddressesFor(IPAddress first, IPAddress last)
    {
        bool v6 = first.AddressFamily == AddressFamily.InterNetworkV6;
        var wildcard = v6 ? IPAddress.IPv6Any : IPAddress.Any;
        var addresses = new List<string>();
        if (first.Equals(wildcard))
        {
            addresses.Add(wildcard.ToString());
        }

        if (first.Equals(last))
        {
            if (!first.Equals(wildcard))
            {
                addresses.Add(first.ToString());
            }

            return [.. addresses];
        }

        addresses.AddRange(AddressRange.ToPrefixes(first, last));
        return [.. addresses];
    }

    private static int? ParsePort(string name) =>
        int.TryParse(name.TrimStart('!'), NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is > 0 and < 1024 ? port : null;

    private static (IPAddress Address, int Port)? ParseAddressAndPort(string name)
    {
        name = name.TrimStart('!');
        int comma = name.LastIndexOf(',');
        int split = comma >= 0 ? comma : name.LastIndexOf(':');
        if (split <= 0 || !IPAddress.TryParse(name[..split], out var address) || ParsePort(name[(split + 1)..]) is not { } port)
        {
            return null;
        }

        // The ADDR:PORT form is IPv4 only (authbind-helper(8)).
        return comma < 0 && address.AddressFamily != AddressFamily.InterNetwork ? null : (address, port);
    }

    private static string Identifier(IPAddress address) =>
        address.ToString().Replace(':', '_').Replace('.', '_');

    private void AddRule(string name, string[] users, string[] groups, string[] ports, string[] addresses)
    {
        _toml.Append('\n').Append(AllowRuleWriter.Write(new AllowRuleFields
        {
            Name = name,
            Users = users,
            Groups = groups,
            Ports = ports,
            Addresses = addresses,
        }));
    }

    private static FileStatus ReadStatus(string path) =>
        FileStatus.TryRead(path, followSymbolicLink: true, out var status, out int errno) ? status : throw new SystemCallException($"statx {path}", errno);

    private void Skip(string where, string why) => _skipped.Add($"{where}: {why}");
}
