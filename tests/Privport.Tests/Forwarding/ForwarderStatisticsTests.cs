using Privport.Forwarding;

namespace Privport.Tests.Forwarding;

/// <summary>The connection limit shared by all listeners, and per-listener counters that add up.</summary>
public sealed class ForwarderStatisticsTests
{
    [Fact]
    public void The_budget_refuses_past_the_limit_and_frees_a_place_on_release()
    {
        var budget = new ConnectionBudget(2);

        Assert.True(budget.TryTake());
        Assert.True(budget.TryTake());
        Assert.False(budget.TryTake());
        Assert.Equal(2, budget.Open);
        budget.Release();
        Assert.True(budget.TryTake());
    }

    [Fact]
    public void A_budget_of_zero_has_no_limit()
    {
        var budget = new ConnectionBudget(0);
        for (int i = 0; i < 1000; i++)
        {
            Assert.True(budget.TryTake());
        }

        Assert.Equal(1000, budget.Open);
    }

    [Fact]
    public void Listener_counters_sum_to_the_total()
    {
        var web = new ForwarderStatistics();
        var dns = new ForwarderStatistics();
        web.CountAccepted();
        web.Opened();
        web.AddClientToBackend(100);
        web.AddBackendToClient(2000);
        web.CountBackendUnreachable();
        dns.CountUdpFlow();
        dns.Opened();
        dns.CountUdpDatagramClientToBackend(40);
        dns.CountUdpDatagramBackendToClient(80);
        dns.CountRefused();

        var total = ForwarderStatistics.Sum([web, dns]);

        Assert.Equal(1, total.Accepted);
        Assert.Equal(2, total.Active);
        Assert.Equal(1, total.Refused);
        Assert.Equal(140, total.BytesClientToBackend);
        Assert.Equal(2080, total.BytesBackendToClient);
        Assert.Equal(1, total.BackendUnreachable);
        Assert.Equal(1, total.UdpFlows);
        Assert.Equal(1, total.UdpDatagramsClientToBackend);
        Assert.Equal(1, total.UdpDatagramsBackendToClient);
    }
}
