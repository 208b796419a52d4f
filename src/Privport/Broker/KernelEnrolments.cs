using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Privport.Interop;
using Privport.Kernel;
using Privport.Policy;
using static Privport.Interop.Interop.Libc;

namespace Privport.Broker;

/// <summary>
/// <c>privport wrap --kernel</c> callers enrolled in a kernel grant: for each, a child cgroup the broker made inside
/// the caller's own cgroup, with the grant's program linked to it. The broker holds the link while the cgroup has
/// processes and ends the enrolment (link closed, directory removed) once it is empty. Every uid may hold only a few
/// at a time and all uids together a bounded number, so no caller can make the broker hold kernel objects without
/// end.
/// </summary>
internal sealed class KernelEnrolments : IDisposable
{
    public const int PerUid = 16;
    public const int Total = 1024;

    // Enrolment scope numbers live apart from the pinned scopes' numbers, which the store hands out from 1.
    private const uint FirstNumber = 0x4000_0000;

    private static readonly TimeSpan ReapInterval = TimeSpan.FromSeconds(1);

    private readonly KernelGrants _grants;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<uint, Enrolled?> _byNumber = [];
    private readonly Dictionary<uint, int> _perUid = [];
    private readonly string _procRoot;
    private readonly Thread _reaper;
    private readonly ManualResetEventSlim _stopping = new();
    private uint _nextNumber = FirstNumber;

    public KernelEnrolments(KernelGrants grants, ILogger logger, string procRoot = "/proc")
    {
        _grants = grants;
        _logger = logger;
        _procRoot = procRoot;
        _reaper = new Thread(ReapLoop) { IsBackground = true, Name = "privport-enrolments" };
        _reaper.Start();
    }

    /// <summary>One enrolment as status and audit lines describe it.</summary>
    public sealed record Enrolled(uint Number, uint Uid, int Pid, string Cgroup, ImmutableArray<string> RuleIds, int EntryCount, KernelEnrolment Link);

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _byNumber.Count;
            }
        }
    }

    public List<Enrolled> Snapshot()
    {
        lock (_gate)
        {
            return [.. _byNumber.Values.OfType<Enrolled>()];
        }
    }

    public Enrolled? Find(uint scopeNumber)
    {
        lock (_gate)
        {
            return _byNumber.GetValueOrDefault(scopeNumber);
        }
    }

    /// <summary>Enrols the peer: checks, plans, creates the child cgroup, links the program, moves the peer in.</summary>
    /// <param name="pidfd">The peer's pidfd: proves the pid still names the process that connected.</param>
    public KernelEnrolmentOutcome Enrol(PortPolicy policy, PeerIdentity peer, SafeFdHandle? pidfd)
    {
        if (peer.Pid <= 0 || pidfd is null)
        {
            return Refused(EPERM, peer.Pid <= 0
                ? "the broker cannot see the caller's process (another pid namespace); run 'privport wrap --kernel' in the broker's pid namespace"
                : "the broker cannot verify the caller's process (no SO_PEERPIDFD: Linux 6.5 or later is needed for 'wrap --kernel')");
        }

        var grant = _grants.Planner().ForPeer(policy, peer);
        var lines = new List<string>();
        lines.AddRange(grant.LeftOut.Select(rule => "left out: " + rule));
        if (grant.Entries.IsEmpty)
        {
            return new KernelEnrolmentOutcome(EACCES, $"no rule grants uid {peer.Uid} a privileged port the kernel can enforce", lines);
        }

        if (_grants.StoreForEnrolment(out string? problem) is not { } store)
        {
            return new KernelEnrolmentOutcome(EOPNOTSUPP, DenyReason.Fit($"this host cannot grant binds in the kernel: {problem}"), lines);
        }

        if (CgroupHierarchy.FindMount() is not { } mount)
        {
            return new KernelEnrolmentOutcome(EOPNOTSUPP, "cgroup v2 is not mounted on this host; 'wrap --kernel' needs it (use 'privport wrap' or 'privport exec')", lines);
        }

        if (CgroupHierarchy.ReadProcessPath(peer.Pid, out problem, _procRoot) is not { } path || !PeerIdentityReader.IsAlive(pidfd))
        {
            return new KernelEnrolmentOutcome(ESRCH, DenyReason.Fit(problem ?? $"process {peer.Pid} exited while it was being enrolled"), lines);
        }

        uint number;
        lock (_gate)
        {
            int held = _perUid.GetValueOrDefault(peer.Uid);
            if (held >= PerUid || _byNumber.Count >= Total)
            {
                return new KernelEnrolmentOutcome(EAGAIN, held >= PerUid
                    ? $"uid {peer.Uid} holds {held} kernel enrolments, the most one uid may; end some of its wrapped programs and retry"
                    : $"the broker holds {_byNumber.Count} kernel enrolments, as many as it may; retry later", lines);
            }

            number = _nextNumber++;
            _perUid[peer.Uid] = held + 1;
            _byNumber[number] = null; // counted while being made
        }

        KernelEnrolment? link = null;
        try
        {
            string parent = mount + path;

            // Made by the broker, so root's and 0755: a directory of that name already there (the caller owns its
            // cgroup and may have made one, to hold cgroup.procs itself) is refused, before and after.
            string child = Path.Combine(parent, $"privport-{peer.Pid}");
            if (Directory.Exists(child))
            {
                return Release(number, peer.Uid, new KernelEnrolmentOutcome(EEXIST, $"{child[mount.Length..]} exists already; the broker makes the enrolment's cgroup itself", lines));
            }

            link = store.Enrol(parent, peer.Pid, grant.Entries, number);
            if (!FileStatus.TryRead(link.CgroupDirectory, followSymbolicLink: false, out var made, out _) || made.Uid != 0 || made.WritableByGroupOrOthers)
            {
                Undo(link, parent, peer.Pid);
                link = null;
                return Release(number, peer.Uid, new KernelEnrolmentOutcome(EEXIST, $"{child[mount.Length..]} was not made by the broker (another owner or mode)", lines));
            }

            // The pid was read from the pidfd-checked peer, but it may have exited and its number been reused, or the
            // process may have moved itself, between the read and the move: only the same live process in exactly the
            // cgroup made for it is enrolled; anything else is moved back out and the link closed.
            string expected = path.TrimEnd('/') + "/" + Path.GetFileName(link.CgroupDirectory);
            if (!PeerIdentityReader.IsAlive(pidfd) || CgroupHierarchy.ReadProcessPath(peer.Pid, out _, _procRoot) != expected)
            {
                Undo(link, parent, peer.Pid);
                link = null;
                return Release(number, peer.Uid, new KernelEnrolmentOutcome(ESRCH, $"process {peer.Pid} exited or moved while it was being enrolled", lines));
            }

            var enrolled = new Enrolled(number, peer.Uid, peer.Pid, link.CgroupDirectory[mount.Length..], grant.RuleIds, grant.Entries.Length, link);
            lock (_gate)
            {
                _byNumber[number] = enrolled;
            }

            foreach (var entry in grant.Entries)
            {
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"granted: {KernelGrantText.Describe(entry)} (rule {RuleId(grant.RuleIds, entry.RuleNumber)})"));
            }

            BrokerLog.KernelEnrolled(_logger, peer.Pid, peer.Uid, enrolled.Cgroup, grant.Entries.Length, grant.LeftOut.Length);
            link = null;
            return new KernelEnrolmentOutcome(0, DenyReason.Fit($"enrolled in {enrolled.Cgroup}: {grant.Entries.Length} kernel grants"), lines);
        }
        catch (Exception e) when (e is KernelGrantException or SystemCallException)
        {
            return Release(number, peer.Uid, new KernelEnrolmentOutcome(EPERM, DenyReason.Fit($"cannot enrol: {e.Message}"), lines));
        }
        finally
        {
            link?.Dispose();
        }
    }

    private static string RuleId(ImmutableArray<string> ruleIds, uint number) =>
        number < ruleIds.Length ? ruleIds[(int)number] : number.ToString(CultureInfo.InvariantCulture);

    private KernelEnrolmentOutcome Release(uint number, uint uid, KernelEnrolmentOutcome outcome)
    {
        lock (_gate)
        {
            _byNumber.Remove(number);
            _perUid[uid] = _perUid.GetValueOrDefault(uid) - 1;
            if (_perUid[uid] <= 0)
            {
                _perUid.Remove(uid);
            }
        }

        return outcome;
    }

    private void Undo(KernelEnrolment link, string parent, int pid)
    {
        try
        {
            File.WriteAllText(Path.Combine(parent, "cgroup.procs"), pid.ToString(CultureInfo.InvariantCulture));
        }
        catch (IOException)
        {
            // Gone already: the cgroup empties by itself.
        }

        Close(link);
    }

    private void Close(KernelEnrolment link)
    {
        try
        {
            link.Dispose();
        }
        catch (Exception e) when (e is KernelGrantException or SystemCallException or IOException)
        {
            BrokerLog.KernelEnrolmentCleanupFailed(_logger, link.CgroupDirectory, e.Message);
        }
    }

    private static KernelEnrolmentOutcome Refused(int status, string reason) => new(status, reason, []);

    private void ReapLoop()
    {
        var ended = new List<Enrolled>();
        while (!_stopping.Wait(ReapInterval))
        {
            lock (_gate)
            {
                foreach (var enrolled in _byNumber.Values.OfType<Enrolled>())
                {
                    if (!IsPopulated(enrolled))
                    {
                        ended.Add(enrolled);
                    }
                }

                foreach (var enrolled in ended)
                {
                    _byNumber.Remove(enrolled.Number);
                    _perUid[enrolled.Uid] = _perUid.GetValueOrDefault(enrolled.Uid) - 1;
                    if (_perUid[enrolled.Uid] <= 0)
                    {
                        _perUid.Remove(enrolled.Uid);
                    }
                }
            }

            foreach (var enrolled in ended)
            {
                Close(enrolled.Link);
                BrokerLog.KernelEnrolmentEnded(_logger, enrolled.Cgroup, enrolled.Uid);
            }

            ended.Clear();
        }
    }

    private static bool IsPopulated(Enrolled enrolled)
    {
        try
        {
            return enrolled.Link.IsPopulated;
        }
        catch (Exception e) when (e is KernelGrantException or SystemCallException or IOException)
        {
            // Its cgroup.events is unreadable, so its directory is gone: nothing is left to grant to.
            return false;
        }
    }

    /// <summary>Ends every enrolment: links closed (grants gone), directories removed once empty.</summary>
    public void Dispose()
    {
        _stopping.Set();
        _reaper.Join();
        List<Enrolled> all;
        lock (_gate)
        {
            all = [.. _byNumber.Values.OfType<Enrolled>()];
            _byNumber.Clear();
            _perUid.Clear();
        }

        foreach (var enrolled in all)
        {
            Close(enrolled.Link);
        }

        _stopping.Dispose();
    }
}
