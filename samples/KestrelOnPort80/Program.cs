// An ASP.NET Core application that serves HTTP on port 80 without running as root, either way:
//   privport exec --port tcp/80 --user www-data -- dotnet KestrelOnPort80.dll   (socket passed by LISTEN_FDS)
//   sudo -u www-data dotnet KestrelOnPort80.dll                                 (socket from the privport broker)
// --address and --port choose another endpoint, e.g. --address 127.0.0.1 --port 8443.
using System.Globalization;
using System.Net;
using Privport.AspNetCore;
using Privport.Client;

var builder = WebApplication.CreateSlimBuilder(args);
int port = builder.Configuration.GetValue("port", 80);
var address = IPAddress.Parse(builder.Configuration["address"] ?? "0.0.0.0");
string source = ListenFds.Inherited().Count > 0 ? "LISTEN_FDS" : "the privport broker";
builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenPrivileged(address, port));

var app = builder.Build();
app.MapGet("/", () => string.Create(CultureInfo.InvariantCulture,
    $"Hello from {Environment.UserName} (pid {Environment.ProcessId}) on port {port}, socket from {source}\n"));
app.Run();
