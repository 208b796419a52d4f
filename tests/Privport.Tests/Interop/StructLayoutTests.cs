using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Privport.Client;
using Privport.Client.Tests.Interop;
using Privport.Interop;
using Privport.Protocol;
using static Privport.Interop.Interop.Libc;
using static Privport.Protocol.WireFormat;
using Libc = Privport.Interop.Interop.Libc;

namespace Privport.Tests.Interop;

/// <summary>Every struct layout, macro and constant copied by hand into C# agrees with the C headers it came from.</summary>
public sealed class StructLayoutTests(LayoutProbe probe) : IClassFixture<LayoutProbe>
{
    // Constants newer than the C headers may be; the running kernel is asked about them instead.
    private const string PeerPidfd = nameof(SO_PEERPIDFD);

    public static TheoryData<string, string, long> Expectations
    {
        get
        {
            var rows = new TheoryData<string, string, long>();
            Layout<msghdr>(rows);
            Layout<iovec>(rows);
            Layout<cmsghdr>(rows);
            Layout<ucred>(rows);
            rows.Add("sizeof epoll_event", "Epoll.EventSize", Epoll.EventSize);
            rows.Add("offsetof epoll_event data", "Epoll.DataOffset", Epoll.DataOffset);
            Layout<passwd>(rows);
            Layout<group>(rows);
            Layout<linger>(rows);
            Layout<__user_cap_header_struct>(rows);
            Layout<__user_cap_data_struct>(rows);
            Layout<sched_param>(rows);
            Layout<pollfd>(rows);
            Layout<rlimit>(rows);

            rows.Add("CMSG_SPACE(sizeof(int))", "CMSG_SPACE(sizeof(int))", CMSG_SPACE(sizeof(int)));
            rows.Add("CMSG_LEN(sizeof(int))", "CMSG_LEN(sizeof(int))", CMSG_LEN(sizeof(int)));
            rows.Add("CMSG_LEN(0)", "CMSG_LEN(0)", CMSG_LEN(0));
            rows.Add("CMSG_SPACE(8 * sizeof(int))", "CMSG_SPACE(8 * sizeof(int))", CMSG_SPACE(8 * sizeof(int)));
            rows.Add("CMSG_DATA offset", "CMSG_ALIGN(sizeof(cmsghdr))", CMSG_ALIGN(Unsafe.SizeOf<cmsghdr>()));

            Constants(typeof(Libc), "Interop.Libc", rows);
            Constants(typeof(Descriptors), "Descriptors", rows);

            WireLayout(rows);
            return rows;
        }
    }

    [Theory]
    [MemberData(nameof(Expectations))]
    public void CSharp_copy_matches_the_C_definition(string name, string csharp, long value)
    {
        long? c = probe.Number(name);
        if (c is null)
        {
            Assert.True(name == PeerPidfd, $"layout_probe.c prints no {name}: add it there");
            AssertKernelReturnsPidfdFor((int)value);
            return;
        }

        Assert.True(c == value, $"{name} is {c} in C, but {csharp} is {value}");
    }

    [Fact]
    public void Every_value_the_probe_prints_is_compared()
    {
        var compared = Expectations.Select(row => row.Data.Item1).Append(nameof(PrivportClient.DefaultSocketPath)).ToHashSet(StringComparer.Ordinal);

        Assert.All(probe.Names(), name => Assert.Contains(name, compared));
    }

    [Fact]
    public void Default_socket_path_matches_the_header()
    {
        Assert.Equal(PrivportClient.DefaultSocketPath, probe.Text(nameof(PrivportClient.DefaultSocketPath)));
    }

    private static void Layout<T>(TheoryData<string, string, long> rows)
    {
        string name = typeof(T).Name;
        rows.Add($"sizeof {name}", $"Unsafe.SizeOf<{name}>()", Unsafe.SizeOf<T>());
        foreach (var field in typeof(T).GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            rows.Add($"offsetof {name} {field.Name}", $"Marshal.OffsetOf<{name}>(\"{field.Name}\")", Marshal.OffsetOf<T>(field.Name));
            int size = field.FieldType.IsPointer ? IntPtr.Size : Marshal.SizeOf(field.FieldType);
            rows.Add($"sizeof {name} {field.Name}", $"sizeof({field.FieldType.Name})", size);
        }
    }

    private static void Constants(Type holder, string holderName, TheoryData<string, string, long> rows)
    {
        foreach (var field in holder.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
        {
            if (field.IsLiteral && (field.FieldType == typeof(int) || field.FieldType == typeof(uint)))
            {
                rows.Add(field.Name, $"{holderName}.{field.Name}", Convert.ToInt64(field.GetRawConstantValue(), CultureInfo.InvariantCulture));
            }
        }
    }

    private static void WireLayout(TheoryData<string, string, long> rows)
    {
        rows.Add("sizeof privport_request", "RequestSize", RequestSize);
        rows.Add("offsetof privport_request magic", "RequestOffsetMagic", RequestOffsetMagic);
        rows.Add("offsetof privport_request version", "RequestOffsetVersion", RequestOffsetVersion);
        rows.Add("offsetof privport_request op", "RequestOffsetOp", RequestOffsetOp);
        rows.Add("offsetof privport_request protocol", "RequestOffsetProtocol", RequestOffsetProtocol);
        rows.Add("offsetof privport_request family", "RequestOffsetFamily", RequestOffsetFamily);
        rows.Add("offsetof privport_request port", "RequestOffsetPort", RequestOffsetPort);
        rows.Add("offsetof privport_request flags", "RequestOffsetFlags", RequestOffsetFlags);
        rows.Add("offsetof privport_request address", "RequestOffsetAddress", RequestOffsetAddress);
        rows.Add("offsetof privport_request scope_id", "RequestOffsetScopeId", RequestOffsetScopeId);
        rows.Add("offsetof privport_request reserved", "RequestOffsetReserved", RequestOffsetReserved);
        rows.Add("sizeof privport_request address", "RequestOffsetScopeId - RequestOffsetAddress", RequestOffsetScopeId - RequestOffsetAddress);
        rows.Add("sizeof privport_request reserved", "RequestSize - RequestOffsetReserved", RequestSize - RequestOffsetReserved);

        rows.Add("sizeof privport_reply", "ReplySize", ReplySize);
        rows.Add("offsetof privport_reply magic", "ReplyOffsetMagic", ReplyOffsetMagic);
        rows.Add("offsetof privport_reply version", "ReplyOffsetVersion", ReplyOffsetVersion);
        rows.Add("offsetof privport_reply op", "ReplyOffsetOp", ReplyOffsetOp);
        rows.Add("offsetof privport_reply status", "ReplyOffsetStatus", ReplyOffsetStatus);
        rows.Add("offsetof privport_reply port", "ReplyOffsetPort", ReplyOffsetPort);
        rows.Add("offsetof privport_reply decision", "ReplyOffsetDecision", ReplyOffsetDecision);
        rows.Add("offsetof privport_reply reserved", "ReplyOffsetDecision + 1", ReplyOffsetDecision + 1);
        rows.Add("offsetof privport_reply counters", "ReplyOffsetCounters", ReplyOffsetCounters);
        rows.Add("offsetof privport_reply reason", "ReplyOffsetReason", ReplyOffsetReason);
        rows.Add("sizeof privport_reply counters", "CounterCount * sizeof(ulong)", CounterCount * sizeof(ulong));
        rows.Add("sizeof privport_reply reason", "ReasonSize", ReasonSize);

        rows.Add("PRIVPORT_REQUEST_MAGIC", "RequestMagic", RequestMagic);
        rows.Add("PRIVPORT_REPLY_MAGIC", "ReplyMagic", ReplyMagic);
        rows.Add("PRIVPORT_VERSION", "ProtocolVersion", ProtocolVersion);
        rows.Add("PRIVPORT_REASON_SIZE", "ReasonSize", ReasonSize);
        rows.Add("PRIVPORT_COUNTERS", "CounterCount", CounterCount);
        rows.Add("PRIVPORT_OP_BIND", "BrokerOp.Bind", (long)BrokerOp.Bind);
        rows.Add("PRIVPORT_OP_OPEN", "BrokerOp.Open", (long)BrokerOp.Open);
        rows.Add("PRIVPORT_OP_QUERY", "BrokerOp.Query", (long)BrokerOp.Query);
        rows.Add("PRIVPORT_OP_STATUS", "BrokerOp.Status", (long)BrokerOp.Status);
        rows.Add("PRIVPORT_OP_STATUS_DETAIL", "BrokerOp.StatusDetail", (long)BrokerOp.StatusDetail);
        rows.Add("PRIVPORT_STATUS_DETAIL_MAX", "StatusDetailMaxSize", StatusDetailMaxSize);
        rows.Add("PRIVPORT_OP_KERNEL_ENROL", "BrokerOp.KernelEnrol", (long)BrokerOp.KernelEnrol);
        rows.Add("PRIVPORT_KERNEL_ENROL_DETAIL_MAX", "KernelEnrolDetailMaxSize", KernelEnrolDetailMaxSize);
        rows.Add("PRIVPORT_FLAG_REUSEADDR", "BindOptions.ReuseAddress", (long)BindOptions.ReuseAddress);
        rows.Add("PRIVPORT_FLAG_REUSEPORT", "BindOptions.ReusePort", (long)BindOptions.ReusePort);
        rows.Add("PRIVPORT_FLAG_V6ONLY", "BindOptions.V6Only", (long)BindOptions.V6Only);
        rows.Add("PRIVPORT_FLAG_FREEBIND", "BindOptions.FreeBind", (long)BindOptions.FreeBind);
        rows.Add("PRIVPORT_DECISION_NONE", "ReplyDecision.None", (long)ReplyDecision.None);
        rows.Add("PRIVPORT_DECISION_ALLOW", "ReplyDecision.Allow", (long)ReplyDecision.Allow);
        rows.Add("PRIVPORT_DECISION_DENY", "ReplyDecision.Deny", (long)ReplyDecision.Deny);

        // Where ReplyCodec puts each counter: encode distinct values and find them.
        var bytes = new byte[ReplySize];
        ReplyCodec.Encode(new BrokerReply(BrokerOp.Status, 0, ReplyDecision.None, 0, "", new BrokerCounters(100, 101, 102, 103, 104, 105)), bytes);
        var slots = MemoryMarshal.Cast<byte, ulong>(bytes.AsSpan(ReplyOffsetCounters, CounterCount * sizeof(ulong))).ToArray();
        rows.Add("PRIVPORT_COUNTER_UPTIME_SECONDS", "ReplyCodec's slot for UptimeSeconds", Array.IndexOf(slots, 100UL));
        rows.Add("PRIVPORT_COUNTER_REQUESTS", "ReplyCodec's slot for Requests", Array.IndexOf(slots, 101UL));
        rows.Add("PRIVPORT_COUNTER_GRANTED", "ReplyCodec's slot for Granted", Array.IndexOf(slots, 102UL));
        rows.Add("PRIVPORT_COUNTER_DENIED", "ReplyCodec's slot for Denied", Array.IndexOf(slots, 103UL));
        rows.Add("PRIVPORT_COUNTER_ERRORS", "ReplyCodec's slot for Errors", Array.IndexOf(slots, 104UL));
        rows.Add("PRIVPORT_COUNTER_POLICY_RULES", "ReplyCodec's slot for PolicyRules", Array.IndexOf(slots, 105UL));

        rows.Add("AF_INET", "WireFormat.FamilyInet", FamilyInet);
        rows.Add("AF_INET6", "WireFormat.FamilyInet6", FamilyInet6);
        rows.Add("IPPROTO_TCP", "PortProtocol.Tcp", (long)PortProtocol.Tcp);
        rows.Add("IPPROTO_UDP", "PortProtocol.Udp", (long)PortProtocol.Udp);
    }

    // Headers older than Linux 6.5 lack SO_PEERPIDFD; a kernel that has it answers the option with a pidfd.
    private static void AssertKernelReturnsPidfdFor(int option)
    {
        const int ENOPROTOOPT = 92;
        var (first, second) = Descriptors.SeqpacketPair();
        using (first)
        using (second)
        {
            int? pidfd = NativeSocket.GetInt(first, SOL_SOCKET, option, tolerated: ENOPROTOOPT);
            if (pidfd is null)
            {
                Assert.True(Environment.OSVersion.Version < new Version(6, 5), $"Linux {Environment.OSVersion.Version} refuses option {option}, so it is not SO_PEERPIDFD");
                Assert.Skip($"neither the C headers nor Linux {Environment.OSVersion.Version} (before 6.5) know SO_PEERPIDFD");
            }

            // Only a descriptor that is a pidfd is ours to close: a wrong option could return 0 or 1 as a plain value.
            string target = ProcessFiles.ReadLink($"/proc/self/fd/{pidfd}");
            Assert.Equal("anon_inode:[pidfd]", target);
            using var owned = new SafeFdHandle(pidfd.Value);
            string info = File.ReadAllText($"/proc/self/fdinfo/{pidfd}");
            Assert.Contains($"Pid:\t{Environment.ProcessId}\n", info, StringComparison.Ordinal);
        }
    }
}
