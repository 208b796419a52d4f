using System.Diagnostics;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Commands;

/// <summary>
/// <c>privport wrap</c> with real programs as an unprivileged uid and a real broker.
/// Ports 660-669 on loopback belong to this class.
/// </summary>
public sealed class WrapCommandTests(StagedPrivport privport)
{
    private const uint Nobody = 65534;
    private const string Python = "/usr/bin/python3";

    private const string NobodyMay660To664 = """
        [[allow]]
        name = "wrapped"
        users = ["65534"]
        ports = ["tcp/660-664", "udp/660-664"]
        addresses = ["127.0.0.1", "::1"]
        """;

    private static void RequirePython() =>
        Assert.SkipUnless(File.Exists(Python), $"needs {Python} to run a real program under the shim");

    private Task<ProcessResult> WrappedPythonAsync(RunningBroker broker, string script, params string[] wrapOptions) =>
        Run.AsUidAsync(Nobody, privport.Executable, ["wrap", "--socket", broker.SocketPath, .. wrapOptions, "--", Python, "-c", script]);

    [Fact]
    public async Task Wrapped_python_http_server_serves_a_privileged_port_as_nobody()
    {
        Privilege.RequireRoot();
        RequirePython();
        await using var broker = await RunningBroker.StartAsync(privport, NobodyMay660To664);

        string reply = await ServeAndFetchAsync(broker, 660, Python, "-m", "http.server", "660", "--bind", "127.0.0.1", "--directory", privport.Directory);

        Assert.Contains("200", reply, StringComparison.Ordinal);
        Assert.Contains("app/", reply, StringComparison.Ordinal);
        Assert.Contains("\"rule\":\"wrapped\"", Assert.Single(broker.AuditLines()), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("socket.AF_INET", "127.0.0.1", "socket.SOCK_STREAM")]
    [InlineData("socket.AF_INET6", "::1", "socket.SOCK_STREAM")]
    [InlineData("socket.AF_INET", "127.0.0.1", "socket.SOCK_DGRAM")]
    public async Task Wrapped_program_binds_allowed_ports_keeping_its_socket_options(string family, string address, string type)
    {
        Privilege.RequireRoot();
        RequirePython();
        await using var broker = await RunningBroker.StartAsync(privport, NobodyMay660To664);

        var result = await WrappedPythonAsync(broker, $"""
            import socket
            s = socket.socket({family}, {type})
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("{address}", 661))
            print(s.getsockname()[1], s.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR))
            """);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("661 1", result.Stdout.Trim());
    }

    [Fact]
    public async Task Wrapped_program_gets_EACCES_and_one_line_saying_why_for_a_denied_port()
    {
        Privilege.RequireRoot();
        RequirePython();
        await using var broker = await RunningBroker.StartAsync(privport, NobodyMay660To664);

        var result = await WrappedPythonAsync(broker, """
            import socket
            try:
                socket.socket().bind(("127.0.0.1", 669))
            except OSError as e:
                print(e.errno)
            """);

        Assert.Equal("13", result.Stdout.Trim());
        Assert.Contains("privport: tcp/127.0.0.1:669 denied: ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrapped_program_sees_the_real_errno_of_the_brokers_bind()
    {
        Privilege.RequireRoot();
        RequirePython();
        await using var broker = await RunningBroker.StartAsync(privport, NobodyMay660To664);
        using var occupant = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        occupant.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 662));
        occupant.Listen();

        var result = await WrappedPythonAsync(broker, """
            import socket
            try:
                socket.socket().bind(("127.0.0.1", 662))
            except OSError as e:
                print(e.errno)
            """);

        Assert.Equal("98", result.Stdout.Trim());
    }

    [Fact]
    public async Task Unprivileged_ports_never_reach_the_broker()
    {
        Privilege.RequireRoot();
        RequirePython();
        await using var broker = await RunningBroker.StartAsync(privport, NobodyMay660To664);

        var result = await WrappedPythonAsync(broker, """
            import socket
            a = socket.socket(); a.bind(("127.0.0.1", 0))
            port = a.getsockname()[1]
            a.close()
            # A port the kernel just handed out and nobody else holds: bound again by number, above 1024.
            b = socket.socket(); b.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); b.bind(("127.0.0.1", port))
            print("ok")
            """);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Empty(broker.AuditLines());
    }

    [Theory]
    [InlineData(false, "none")]
    [InlineData(true, "libprivport.so")]
    public async Task Children_inherit_the_shim_only_with_deep(bool deep, string expected)
    {
        Privilege.RequireRoot();
        RequirePython();
        await using var broker = await RunningBroker.StartAsync(privport, NobodyMay660To664);

        var result = await WrappedPythonAsync(broker, """
            import subprocess
            out = subprocess.run(["/bin/sh", "-c", "echo ${LD_PRELOAD:-none}"], capture_output=True, text=True).stdout
            print(out.strip().rsplit("/", 1)[-1])
            """, deep ? ["--deep"] : []);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(expected, result.Stdout.Trim());
    }

    [Fact]
    public async Task Wrapped_node_server_answers_on_a_privileged_port()
    {
        Privilege.RequireRoot();
        Assert.SkipUnless(File.Exists("/usr/bin/node"), "needs Node.js (/usr/bin/node)");
        await using var broker = await RunningBroker.StartAsync(privport, NobodyMay660To664);

        string reply = await ServeAndFetchAsync(broker, 663, "/usr/bin/node", "-e",
            "require('net').createServer(s => s.end('hello from node')).listen(663, '127.0.0.1')");

        Assert.Equal("hello from node", reply);
        Assert.Contains("\"op\":\"BIND\"", Assert.Single(broker.AuditLines()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrapped_java_server_answers_on_a_privileged_port()
    {
        Privilege.RequireRoot();
        Assert.SkipUnless(ProgramPathOf("javac") is not null && ProgramPathOf("java") is not null, "needs a JDK (javac, java)");
        await using var broker = await RunningBroker.StartAsync(privport, NobodyMay660To664);
        string classes = Directory.CreateTempSubdirectory("privport-java-").FullName;
        try
        {
            File.SetUnixFileMode(classes, (UnixFileMode)0b111_101_101);
            string source = Path.Combine(classes, "Serve.java");
            await File.WriteAllTextAsync(source, """
                import java.net.*;
                public class Serve {
                    public static void main(String[] args) throws Exception {
                        // Java opens an IPv6 socket even for an IPv4 address: the shim sends ::ffff:127.0.0.1.
                        try (ServerSocket server = new ServerSocket(664, 5, InetAddress.getByName("127.0.0.1"))) {
                            try (Socket client = server.accept()) {
                                client.getOutputStream().write("hello from java".getBytes());
                            }
                        }
                    }
                }
                """, TestContext.Current.CancellationToken);
            var compile = await Run.AsRootAsync(ProgramPathOf("javac")!, "-d", classes, source);
            Assert.True(compile.ExitCode == 0, compile.ToString());
            foreach (string file in Directory.GetFiles(classes))
            {
                File.SetUnixFileMode(file, (UnixFileMode)0b110_100_100);
            }

            string reply = await ServeAndFetchAsync(broker, 664, ProgramPathOf("java")!, "-cp", classes, "Serve");

            Assert.Equal("hello from java", reply);
            Assert.Contains("\"address\":\"::ffff:127.0.0.1\"", Assert.Single(broker.AuditLines()), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(classes, recursive: true);
        }
    }

    [Fact]
    public async Task Wrapped_dotnet_tcplistener_answers_on_a_privileged_port()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, NobodyMay660To664);

        string reply = await ServeAndFetchAsync(broker, 660, privport.Executable, "demo-http", "--plain-bind", "tcp/127.0.0.1:660");

        Assert.Contains("Hello from uid 65534", reply, StringComparison.Ordinal);
        Assert.Contains("\"op\":\"BIND\"", Assert.Single(broker.AuditLines()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrapped_udp_server_answers_on_a_privileged_port()
    {
        Privilege.RequireRoot();
        RequirePython();
        await using var broker = await RunningBroker.StartAsync(privport, NobodyMay660To664);
        await using var server = StartWrapped(broker, Python, "-c",
            "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\ns.bind(('127.0.0.1', 663))\n" +
            "data, peer = s.recvfrom(100)\ns.sendto(b'echo ' + data, peer)\n");
        using var client = new System.Net.Sockets.UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        string? echo = null;
        for (int attempt = 0; attempt < 100 && echo is null && !server.HasExited; attempt++)
        {
            await client.SendAsync("ping"u8.ToArray(), new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 663), TestContext.Current.CancellationToken);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            wait.CancelAfter(200);
            try
            {
                var answer = await client.ReceiveAsync(wait.Token);
                echo = System.Text.Encoding.ASCII.GetString(answer.Buffer);
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
            }
        }

        Assert.Equal("echo ping", echo);
        Assert.Contains("\"protocol\":\"udp\"", Assert.Single(broker.AuditLines()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrapped_nginx_as_a_non_root_user_serves_a_privileged_port()
    {
        Privilege.RequireRoot();
        Assert.SkipUnless(File.Exists("/usr/sbin/nginx"), "needs nginx (/usr/sbin/nginx; test.sh installs nginx-light)");
        await using var broker = await RunningBroker.StartAsync(privport, NobodyMay660To664);
        string prefix = Directory.CreateTempSubdirectory("privport-nginx-").FullName;
        try
        {
            // nginx writes its temporary files and pid as the user it runs as: a directory nobody may write.
            File.SetUnixFileMode(prefix, (UnixFileMode)0b111_111_111);
            string config = Path.Combine(prefix, "nginx.conf");
            await File.WriteAllTextAsync(config, $$"""
                daemon off;
                master_process off;
                pid {{prefix}}/nginx.pid;
                error_log stderr;
                events { worker_connections 16; }
                http {
                    access_log off;
                    client_body_temp_path {{prefix}}/body;
                    proxy_temp_path {{prefix}}/proxy;
                    fastcgi_temp_path {{prefix}}/fastcgi;
                    uwsgi_temp_path {{prefix}}/uwsgi;
                    scgi_temp_path {{prefix}}/scgi;
                    server {
                        listen 127.0.0.1:661;
                        location / { return 200 "hello from nginx"; }
                    }
                }
                """, TestContext.Current.CancellationToken);
            File.SetUnixFileMode(config, (UnixFileMode)0b110_100_100);

            string reply = await ServeAndFetchAsync(broker, 661, "/usr/sbin/nginx", "-c", config, "-p", prefix + "/", "-e", "stderr");

            Assert.Contains("hello from nginx", reply, StringComparison.Ordinal);
            Assert.Contains("\"op\":\"BIND\"", Assert.Single(broker.AuditLines()), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(prefix, recursive: true);
        }
    }

    private static string? ProgramPathOf(string name) => global::Privport.Launch.ProgramPath.Resolve(name, Environment.GetEnvironmentVariable("PATH"));

    /// <summary>Starts a program wrapped as nobody, connects to its port until it answers, returns what it sent.</summary>
    private async Task<string> ServeAndFetchAsync(RunningBroker broker, int port, string program, params string[] arguments)
    {
        await using var server = StartWrapped(broker, program, arguments);
        return await server.FetchAsync(port);
    }

    /// <summary>Starts <paramref name="program"/> under privport wrap as nobody.</summary>
    private ServiceProcess StartWrapped(RunningBroker broker, string program, params string[] arguments) =>
        ServiceProcess.Start(SetprivProcess.StartInfo(Privilege.Setpriv, Nobody, Nobody, privport.Executable,
            ["wrap", "--socket", broker.SocketPath, "--", program, .. arguments]));

    [Fact]
    public async Task Without_a_broker_the_program_gets_EACCES_and_is_told_how_to_start_one()
    {
        Privilege.RequireRoot();
        RequirePython();

        var result = await Run.AsUidAsync(Nobody, privport.Executable, "wrap", "--socket", "/nonexistent/broker.sock", "--", Python, "-c",
            "import socket\ntry:\n    socket.socket().bind(('127.0.0.1', 665))\nexcept OSError as e:\n    print(e.errno)\n");

        Assert.Equal("13", result.Stdout.Trim());
        Assert.Contains("no broker at /nonexistent/broker.sock", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("privport serve", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrap_refuses_a_setuid_program()
    {
        Privilege.RequireRoot();
        string directory = Directory.CreateTempSubdirectory("privport-setuid-").FullName;
        try
        {
            string program = Path.Combine(directory, "true");
            File.Copy("/bin/true", program);
            File.SetUnixFileMode(program, (UnixFileMode)0b100_111_101_101);

            var result = await Run.AsRootAsync(privport.Executable, "wrap", "--", program);

            Assert.Equal(64, result.ExitCode);
            Assert.Contains("setuid", result.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Wrap_refuses_a_static_program_and_names_the_alternatives()
    {
        string directory = Directory.CreateTempSubdirectory("privport-static-").FullName;
        try
        {
            string source = Path.Combine(directory, "static.c");
            string program = Path.Combine(directory, "static");
            await File.WriteAllTextAsync(source, "int main(void) { return 0; }\n", TestContext.Current.CancellationToken);
            var compile = await Run.AsRootAsync("cc", "-static", "-o", program, source);
            Assert.SkipUnless(compile.ExitCode == 0, $"cannot build a static test program here: {compile.Stderr}");

            var result = await Run.AsRootAsync(privport.Executable, "wrap", "--", program);

            Assert.Equal(64, result.ExitCode);
            Assert.Contains("statically linked", result.Stderr, StringComparison.Ordinal);
            Assert.Contains("privport exec", result.Stderr, StringComparison.Ordinal);
            Assert.Contains("privport forward", result.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
