using System.Runtime.InteropServices;

namespace MLNet.Nmf.Engine.Blocks;

/// <summary>
/// Makes a rename in a directory durable: after <see cref="File.Move(string, string, bool)"/> the new name lives in the
/// directory's own data, which the file system may still hold in memory; a power cut then loses the rename (the
/// manifest of the last committed pass). On Linux and macOS the directory is opened and fsync'ed. Windows offers no
/// flush of a directory to a program (NTFS journals the rename itself), so there it does nothing.
/// </summary>
internal static partial class DirectorySync
{
    /// <summary>Flushes <paramref name="directory"/>'s entries to disk; true when done, false where the system has no such flush.</summary>
    /// <exception cref="IOException">The directory cannot be opened or the flush failed (the rename may not be durable).</exception>
    public static bool Flush(string directory)
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD()))
            return false;
        int fd = Open(directory, 0); // O_RDONLY: a directory may be opened read-only to fsync it
        if (fd < 0)
            throw new IOException($"Cannot open the checkpoint directory '{directory}' to flush it to disk (errno {Marshal.GetLastPInvokeError()}).");
        try
        {
            if (Fsync(fd) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == 22) // EINVAL: a file system that does not sync directories (its renames are as durable as it makes them)
                    return false;
                throw new IOException($"Flushing the checkpoint directory '{directory}' to disk failed (errno {errno}); the last committed pass may not survive a power cut.");
            }
            return true;
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
