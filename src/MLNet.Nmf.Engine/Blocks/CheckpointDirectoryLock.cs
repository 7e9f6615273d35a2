namespace MLNet.Nmf.Engine.Blocks;

/// <summary>
/// The exclusive hold of one streamed fit on its <see cref="NmfStreamingOptions.CheckpointDirectory"/>: a lock file
/// (<c>mlnet-nmf-stream.lock</c>) opened with <see cref="FileShare.None"/> for the fit's duration and deleted when the
/// fit ends, however it ends (<see cref="FileOptions.DeleteOnClose"/>; the operating system also drops the lock of a
/// process that dies). A second fit on the same directory, in this process or another, is refused instead of
/// overwriting the first fit's W files and manifest. On Linux and macOS the lock is .NET's advisory lock on the file
/// (flock), which every MLNet.Nmf fit honours; on Windows it is the sharing mode.
/// </summary>
/// <remarks>
/// The hold is one open, with no check of the directory before or after it: with <see cref="FileMode.OpenOrCreate"/>,
/// <see cref="FileShare.None"/> and <see cref="FileOptions.DeleteOnClose"/>, .NET on Linux and macOS deletes the name of a
/// released lock file before it unlocks the file, and an open that locks a file checks, once it holds the lock, that the
/// name still leads to that file (same device and inode), opening the name again when it does not. So a fit that opened
/// the file of a fit just ending never holds that deleted file beside a third fit holding the new one. (A check of the
/// name after the open, and a retry that closed the handle, once sat here: needless, and the retry's close would have
/// deleted the name, i.e. another fit's lock file.) On Windows the sharing mode is checked by the open itself.
/// </remarks>
internal sealed class CheckpointDirectoryLock : IDisposable
{
    private readonly FileStream _file;

    private CheckpointDirectoryLock(FileStream file) => _file = file;

    /// <summary>The lock file's name in the directory.</summary>
    public const string FileName = StreamedCheckpoint.Prefix + ".lock";

    /// <summary>Takes the directory, or refuses naming it when another fit holds it.</summary>
    /// <exception cref="InvalidOperationException">Another fit (in this process or another) uses the directory now.</exception>
    public static CheckpointDirectoryLock Take(string directory)
    {
        string path = Path.Combine(directory, FileName);
        try
        {
            return new CheckpointDirectoryLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose));
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException and not PathTooLongException)
        {
            throw new InvalidOperationException(
                $"The checkpoint directory '{directory}' is in use by another streamed fit (it holds the lock file '{FileName}'): two fits on one directory would overwrite each other's checkpoint. Give each fit its own CheckpointDirectory, or wait for the other fit to end (a fit that ends or fails releases the directory).", e);
        }
    }

    /// <summary>Releases the directory (the lock file is deleted).</summary>
    public void Dispose() => _file.Dispose();
}
