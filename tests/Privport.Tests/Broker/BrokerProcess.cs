using Privport.Tests.Infrastructure;

namespace Privport.Tests.Broker;

/// <summary>A temporary directory with a policy, for brokers the tests start with their own arguments and environment.</summary>
public sealed class BrokerProcess : IAsyncDisposable
{
    private BrokerProcess(string directory, ServiceProcess process)
    {
        Directory = directory;
        Process = process;
    }

    public string Directory { get; }

    public ServiceProcess Process { get; }

    public string SocketPath => Path.Combine(Directory, "broker.sock");

    public string PolicyPath => Path.Combine(Directory, "policy.toml");

    public string AuditPath => Path.Combine(Directory, "audit.jsonl");

    /// <summary>
    /// Starts <c>privport serve</c> on <see cref="SocketPath"/> with <paramref name="policy"/>; <paramref name="wrap"/>
    /// (e.g. systemd-socket-activate or setpriv and their arguments) runs in front of it.
    /// </summary>
    public static BrokerProcess Start(
        StagedPrivport privport, string policy, IEnumerable<string>? extraArguments = null,
        IReadOnlyDictionary<string, string?>? environment = null, IReadOnlyList<string>? wrap = null)
    {
        string directory = System.IO.Directory.CreateTempSubdirectory("privport-svc-").FullName;
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_111_111 | UnixFileMode.StickyBit);
        File.WriteAllText(Path.Combine(directory, "policy.toml"), policy);
        File.SetUnixFileMode(Path.Combine(directory, "policy.toml"), (UnixFileMode)0b110_100_100);
        var arguments = new List<string>(wrap ?? []);
        arguments.AddRange([privport.Executable, "serve", "--policy", Path.Combine(directory, "policy.toml"), "--socket", Path.Combine(directory, "broker.sock")]);
        arguments.AddRange(extraArguments ?? []);
        var process = ServiceProcess.Start(arguments[0], arguments.Skip(1), environment);
        return new BrokerProcess(directory, process);
    }

    public Task WaitUntilListeningAsync() =>
        Process.WaitUntilAsync(() => File.Exists(SocketPath) || Process.HasExited, "the broker's socket");

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
