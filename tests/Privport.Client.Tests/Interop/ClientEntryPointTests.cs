using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Privport.Client.Tests.Interop;

/// <summary>
/// Privport.Client ships to every application that asks for a port: it may carry only the system calls a client makes.
/// The list is read from the assembly's ImplMap table, where each LibraryImport stub leaves its native entry point.
/// </summary>
public sealed class ClientEntryPointTests
{
    private static readonly Dictionary<string, string> Allowed = new(StringComparer.Ordinal)
    {
        ["close"] = "SafeFdHandle closes the sockets the broker passes and the duplicates the client makes",
        ["fcntl"] = "F_SETFD FD_CLOEXEC on inherited LISTEN_FDS sockets; F_DUPFD_CLOEXEC when BindSocketAsync hands back a socket",
        ["getsockopt"] = "ListenFd reads SO_DOMAIN, SO_TYPE and SO_ACCEPTCONN of an inherited socket",
        ["getsockname"] = "ListenFd reads the address an inherited socket is bound to",
        ["sendmsg"] = "a BIND request carries the caller's socket to the broker (SCM_RIGHTS)",
        ["recvmsg"] = "an OPEN reply carries the bound socket back (SCM_RIGHTS)",
    };

    [Fact]
    public void Privport_Client_imports_only_the_system_calls_a_client_makes()
    {
        var imported = EntryPoints(typeof(PrivportClient).Assembly.Location);

        // The broker connection itself goes through System.Net.Sockets; an empty list would mean the table was not read.
        Assert.Contains("sendmsg", imported.Keys);
        var unexpected = imported.Keys.Where(name => !Allowed.ContainsKey(name)).Order(StringComparer.Ordinal).ToArray();
        Assert.True(
            unexpected.Length == 0,
            $"Privport.Client.dll imports {string.Join(", ", unexpected.Select(name => $"{name} ({imported[name]})"))}: " +
            "a client does not need them. Link the file into src/Privport/Privport.csproj only, or, if a client truly " +
            "needs it, add it to the allowed list here with the reason.");
    }

    [Fact]
    public void Every_import_is_from_libc()
    {
        var imported = EntryPoints(typeof(PrivportClient).Assembly.Location);

        Assert.All(imported, entry => Assert.Equal("libc.so.6", entry.Value));
    }

    /// <summary>The native entry points the assembly's P/Invoke declarations name, each with its library.</summary>
    private static Dictionary<string, string> EntryPoints(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var reader = pe.GetMetadataReader();
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var handle in reader.MethodDefinitions)
        {
            var import = reader.GetMethodDefinition(handle).GetImport();
            if (import.Module.IsNil)
            {
                continue;
            }

            string library = reader.GetString(reader.GetModuleReference(import.Module).Name);
            entries[reader.GetString(import.Name)] = library;
        }

        return entries;
    }
}
