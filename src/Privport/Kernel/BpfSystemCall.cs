using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Privport.Interop;
using static Privport.Interop.Interop.Libc;

namespace Privport.Kernel;

/// <summary>
/// The bpf(2) commands privport uses, each filling its part of union bpf_attr by offset (include/uapi/linux/bpf.h).
/// Every returned fd is owned; failures become <see cref="SystemCallException"/> naming the command.
/// </summary>
internal static unsafe class BpfSystemCall
{
    public static SafeFdHandle MapCreate(uint type, uint keySize, uint valueSize, uint maxEntries, uint flags, string name)
    {
        Span<byte> attr = stackalloc byte[BpfAttrSize];
        attr.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(attr, type);
        BinaryPrimitives.WriteUInt32LittleEndian(attr[4..], keySize);
        BinaryPrimitives.WriteUInt32LittleEndian(attr[8..], valueSize);
        BinaryPrimitives.WriteUInt32LittleEndian(attr[12..], maxEntries);
        BinaryPrimitives.WriteUInt32LittleEndian(attr[16..], flags);
        WriteName(attr.Slice(28, 16), name);
        return new SafeFdHandle(CheckedFd(Invoke(BPF_MAP_CREATE, attr), "bpf(BPF_MAP_CREATE)"));
    }

    /// <summary>Loads a program; returns the fd, or -1 with errno when the kernel refused it.</summary>
    public static int ProgLoad(
        uint type, uint expectedAttachType, ReadOnlySpan<byte> instructions, string name, Span<byte> log, out int errno)
    {
        ReadOnlySpan<byte> license = "GPL\0"u8;
        Span<byte> attr = stackalloc byte[BpfAttrSize];
        attr.Clear();
        fixed (byte* insns = instructions)
        fixed (byte* lic = license)
        fixed (byte* logBuffer = log)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(attr, type);
            BinaryPrimitives.WriteUInt32LittleEndian(attr[4..], (uint)(instructions.Length / BpfInstruction.Size));
            BinaryPrimitives.WriteUInt64LittleEndian(attr[8..], (ulong)insns);
            BinaryPrimitives.WriteUInt64LittleEndian(attr[16..], (ulong)lic);
            if (!log.IsEmpty)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(attr[24..], 1);
                BinaryPrimitives.WriteUInt32LittleEndian(attr[28..], (uint)log.Length);
                BinaryPrimitives.WriteUInt64LittleEndian(attr[32..], (ulong)logBuffer);
            }

            WriteName(attr.Slice(48, 16), name);
            BinaryPrimitives.WriteUInt32LittleEndian(attr[68..], expectedAttachType);
            long result = Invoke(BPF_PROG_LOAD, attr);
            errno = result < 0 ? Marshal.GetLastPInvokeError() : 0;
            return (int)result;
        }
    }

    public static void ObjPin(SafeFdHandle fd, string path)
    {
        byte[] pathBytes = NulTerminated(path);
        Span<byte> attr = stackalloc byte[BpfAttrSize];
        attr.Clear();
        fixed (byte* p = pathBytes)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(attr, (ulong)p);
            BinaryPrimitives.WriteUInt32LittleEndian(attr[8..], (uint)fd.Fd);
            CheckedFd(Invoke(BPF_OBJ_PIN, attr), $"bpf(BPF_OBJ_PIN) of {path}");
        }

        GC.KeepAlive(fd);
    }

    /// <summary>Opens a pinned object; null when nothing is pinned at <paramref name="path"/>.</summary>
    public static SafeFdHandle? ObjGet(string path)
    {
        byte[] pathBytes = NulTerminated(path);
        Span<byte> attr = stackalloc byte[BpfAttrSize];
        attr.Clear();
        fixed (byte* p = pathBytes)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(attr, (ulong)p);
            long result = Invoke(BPF_OBJ_GET, attr);
            if (result < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Privport.Interop.Interop.Libc.ENOENT)
                {
                    return null;
                }

                throw new SystemCallException($"bpf(BPF_OBJ_GET) of {path}", errno);
            }

            return new SafeFdHandle((int)result);
        }
    }

    public static void ProgAttach(SafeFdHandle cgroup, SafeFdHandle program, uint attachType, uint flags)
    {
        Span<byte> attr = stackalloc byte[BpfAttrSize];
        attr.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(attr, (uint)cgroup.Fd);
        BinaryPrimitives.WriteUInt32LittleEndian(attr[4..], (uint)program.Fd);
        BinaryPrimitives.WriteUInt32LittleEndian(attr[8..], attachType);
        BinaryPrimitives.WriteUInt32LittleEndian(attr[12..], flags);
        CheckedFd(Invoke(BPF_PROG_ATTACH, attr), "bpf(BPF_PROG_ATTACH)");
        GC.KeepAlive(cgroup);
        GC.KeepAlive(program);
    }

    /// <summary>Detaches one program; false when it was not attached there.</summary>
    public static bool ProgDetach(SafeFdHandle cgroup, SafeFdHandle program, uint attachType)
    {
        Span<byte> attr = stackalloc byte[BpfAttrSize];
        attr.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(attr, (uint)cgroup.Fd);
        BinaryPrimitives.WriteUInt32LittleEndian(attr[4..], (uint)program.Fd);
        BinaryPrimitives.WriteUInt32LittleEndian(attr[8..], attachType);
        long result = Invoke(BPF_PROG_DETACH, attr);
        GC.KeepAlive(cgroup);
        GC.KeepAlive(program);
        if (result < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Privport.Interop.Interop.Libc.ENOENT)
            {
                return false;
            }

            throw new SystemCallException("bpf(BPF_PROG_DETACH)", errno);
        }

        return true;
    }

    public static SafeFdHandle LinkCreate(SafeFdHandle program, SafeFdHandle cgroup, uint attachType)
    {
        Span<byte> attr = stackalloc byte[BpfAttrSize];
        attr.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(attr, (uint)program.Fd);
        BinaryPrimitives.WriteUInt32LittleEndian(attr[4..], (uint)cgroup.Fd);
        BinaryPrimitives.WriteUInt32LittleEndian(attr[8..], attachType);
        var link = new SafeFdHandle(CheckedFd(Invoke(BPF_LINK_CREATE, attr), "bpf(BPF_LINK_CREATE)"));
        GC.KeepAlive(cgroup);
        GC.KeepAlive(program);
        return link;
    }

    /// <summary>The ids of the programs attached to a cgroup at one hook (its own attachments, not inherited ones).</summary>
    public static uint[] ProgQuery(SafeFdHandle cgroup, uint attachType)
    {
        uint[] ids = new uint[64];
        Span<byte> attr = stackalloc byte[BpfAttrSize];
        attr.Clear();
        fixed (uint* p = ids)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(attr, (uint)cgroup.Fd);
            BinaryPrimitives.WriteUInt32LittleEndian(attr[4..], attachType);
            BinaryPrimitives.WriteUInt64LittleEndian(attr[16..], (ulong)p);
            BinaryPrimitives.WriteUInt32LittleEndian(attr[24..], (uint)ids.Length);
            CheckedFd(Invoke(BPF_PROG_QUERY, attr), "bpf(BPF_PROG_QUERY)");
        }

        GC.KeepAlive(cgroup);
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(attr[24..]);
        return ids.AsSpan(0, (int)Math.Min(count, (uint)ids.Length)).ToArray();
    }

    /// <summary>The kernel's id of a program or map (first fields of bpf_prog_info and bpf_map_info: type, id).</summary>
    public static uint ObjectId(SafeFdHandle fd)
    {
        Span<byte> info = stackalloc byte[256];
        info.Clear();
        Span<byte> attr = stackalloc byte[BpfAttrSize];
        attr.Clear();
        fixed (byte* p = info)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(attr, (uint)fd.Fd);
            BinaryPrimitives.WriteUInt32LittleEndian(attr[4..], (uint)info.Length);
            BinaryPrimitives.WriteUInt64LittleEndian(attr[8..], (ulong)p);
            CheckedFd(Invoke(BPF_OBJ_GET_INFO_BY_FD, attr), "bpf(BPF_OBJ_GET_INFO_BY_FD)");
        }

        GC.KeepAlive(fd);
        return BinaryPrimitives.ReadUInt32LittleEndian(info[4..]);
    }

    public static void MapUpdate(SafeFdHandle map, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) =>
        MapElement(BPF_MAP_UPDATE_ELEM, map, key, value, "bpf(BPF_MAP_UPDATE_ELEM)");

    public static bool MapLookup(SafeFdHandle map, ReadOnlySpan<byte> key, Span<byte> value)
    {
        fixed (byte* v = value)
        {
            return MapElementOrMissing(BPF_MAP_LOOKUP_ELEM, map, key, v, "bpf(BPF_MAP_LOOKUP_ELEM)");
        }
    }

    /// <summary>Deletes one element; false when it was already gone.</summary>
    public static bool MapDelete(SafeFdHandle map, ReadOnlySpan<byte> key) =>
        MapElementOrMissing(BPF_MAP_DELETE_ELEM, map, key, null, "bpf(BPF_MAP_DELETE_ELEM)");

    /// <summary>The key after <paramref name="key"/> (the first key when <paramref name="key"/> is empty); false at the end.</summary>
    public static bool MapGetNextKey(SafeFdHandle map, ReadOnlySpan<byte> key, Span<byte> nextKey)
    {
        fixed (byte* n = nextKey)
        {
            return MapElementOrMissing(BPF_MAP_GET_NEXT_KEY, map, key, n, "bpf(BPF_MAP_GET_NEXT_KEY)");
        }
    }

    private static void MapElement(int cmd, SafeFdHandle map, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, string what)
    {
        fixed (byte* v = value)
        {
            if (!MapElementOrMissing(cmd, map, key, v, what))
            {
                throw new SystemCallException(what, Privport.Interop.Interop.Libc.ENOENT);
            }
        }
    }

    private static bool MapElementOrMissing(int cmd, SafeFdHandle map, ReadOnlySpan<byte> key, byte* value, string what)
    {
        Span<byte> attr = stackalloc byte[BpfAttrSize];
        attr.Clear();
        fixed (byte* k = key)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(attr, (uint)map.Fd);
            BinaryPrimitives.WriteUInt64LittleEndian(attr[8..], key.IsEmpty ? 0 : (ulong)k);
            BinaryPrimitives.WriteUInt64LittleEndian(attr[16..], (ulong)value);
            long result = Invoke(cmd, attr);
            GC.KeepAlive(map);
            if (result < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Privport.Interop.Interop.Libc.ENOENT)
                {
                    return false;
                }

                throw new SystemCallException(what, errno);
            }

            return true;
        }
    }

    private static long Invoke(int cmd, Span<byte> attr)
    {
        fixed (byte* a = attr)
        {
            long result = syscall(SYS_bpf, cmd, a, (uint)attr.Length);
            for (int retry = 0; retry < 8 && result < 0 && Marshal.GetLastPInvokeError() == Privport.Interop.Interop.Libc.EINTR; retry++)
            {
                result = syscall(SYS_bpf, cmd, a, (uint)attr.Length);
            }

            return result;
        }
    }

    private static int CheckedFd(long result, string what) =>
        result < 0 ? throw SystemCallException.FromLastError(what) : (int)result;

    private static void WriteName(Span<byte> destination, string name) =>
        Encoding.ASCII.GetBytes(name.AsSpan(0, Math.Min(name.Length, destination.Length - 1)), destination);

    private static byte[] NulTerminated(string path) => Encoding.UTF8.GetBytes(path + "\0");
}
