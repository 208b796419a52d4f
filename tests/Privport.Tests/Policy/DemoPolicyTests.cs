using Privport.Demo;
using Privport.Policy;

namespace Privport.Tests.Policy;

/// <summary>The demo's policy loads as written wherever the demo stages its web server.</summary>
public sealed class DemoPolicyTests
{
    [Theory]
    [InlineData("/tmp/privport-demo/web-server")]
    [InlineData("/tmp/privport \"demo\"/web-server")]
    [InlineData("/tmp/privport-demo\\x/web\nserver")]
    [InlineData("/tmp/privport-demo/\tweb]]\"#server\u0001")]
    public void The_demo_policy_names_exactly_the_staged_server_as_nobody_on_loopback(string executable)
    {
        var rule = PolicyText.Single(DemoPolicy.Render(executable, 430), new FakeAccountDirectory());

        Assert.Equal(executable, Assert.Single(rule.Executables).Written);
        Assert.Equal(DemoPolicy.Uid, Assert.Single(rule.Users).Id);
        Assert.Equal("tcp/430", Assert.Single(rule.Ports).ToString());
        Assert.Equal("127.0.0.1", Assert.Single(rule.Addresses).ToString());
    }
}
