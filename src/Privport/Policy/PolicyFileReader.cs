using Microsoft.Win32.SafeHandles;
using Privport.Interop;
using static Privport.Interop.Interop.Libc;
using Privport.HostFacts;
using Privport.Config;

namespace Privport.Policy;

/// <summary>
/// Reads a policy file that <see cref="PolicyPathCheck"/> has passed, through the very file it checked: opened
/// without following a link and without waiting (a FIFO swapped in cannot hang the reader), then compared by device,
/// inode, owner and mode with what was checked.
/// </summary>
internal static class PolicyFileReader
{
    public static string? Read(string file, PolicyPathResult checkedFile, ConfigDiagnostics diagnostics)
    {
        string real = checkedFile.RealPath!;
        using var fd = PosixFile.TryOpen(real, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0, out int errno);
        if (fd is null)
        {
            diagnostics.Error(file, 0, null, "policy", $"cannot open the file: {Errno.Describe(errno)}");
            return null;
        }

        FileStatus opened;
        try
        {
            opened = FileStatus.Read(fd);
        }
        catch (SystemCallException e)
        {
            diagnostics.Error(file, 0, null, "policy", $"cannot read the file's status: {e.Message}");
            return null;
        }

        var expected = checkedFile.Status;
        if (opened.Device != expected.Device || opened.Inode != expected.Inode || opened.Mode != expected.Mode || opened.Uid != expected.Uid)
        {
            diagnostics.Error(file, 0, null, "policy", "changed while it was being checked and read; load the policy again");
            return null;
        }

        // FileStream takes the descriptor over; fd's handle is emptied so it is closed once.
        using var handle = new SafeFileHandle(fd.DangerousGetHandle(), ownsHandle: true);
        fd.SetHandleAsInvalid();
        try
        {
            using var stream = new FileStream(handle, FileAccess.Read, bufferSize: 0);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (IOException e)
        {
            diagnostics.Error(file, 0, null, "policy", $"cannot read the file: {e.Message}");
            return null;
        }
    }
}
