using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace MLNet.Nmf.Engine.Blocks;

/// <summary>
/// W (m x k floats) of a checkpointed streamed fit in two files, two generations: a pass reads the current one (what
/// the last committed pass wrote) and writes the other, so a pass that fails never damages the W a resumed fit needs.
/// <see cref="Swap"/> makes the written generation current once the pass is committed. Blocks are written in row
/// order, so the SHA-256 of a generation is taken as it is written and recorded by the manifest; a resumed fit
/// checks the current file against it before reading a row.
/// </summary>
internal sealed class CheckpointFeatureFiles : IStreamedFeatures
{
    private readonly SafeFileHandle[] _files = new SafeFileHandle[2];
    private readonly string[] _paths = new string[2];
    private readonly int _k;
    private readonly long _length;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _written;

    /// <summary>Creates both generations' files in <paramref name="directory"/> for a fresh fit (empty files of W's length).</summary>
    public CheckpointFeatureFiles(string directory, string prefix, long rows, int k)
        : this(directory, prefix, rows, k, current: null, startOver: "", needed: "")
    {
    }

    /// <summary>
    /// Opens the files of a fit resumed with <paramref name="current"/> as the committed generation, or creates both
    /// (<paramref name="current"/> null). The committed generation is opened as it is, never created nor resized: a missing or
    /// truncated one is refused, naming it, and left untouched.
    /// </summary>
    /// <exception cref="InvalidDataException">The committed generation's file is missing or does not have W's length.</exception>
    private CheckpointFeatureFiles(string directory, string prefix, long rows, int k, int? current, string startOver, string needed)
    {
        _k = k;
        _length = 4L * rows * k;
        Current = current ?? 0;
        try
        {
            for (int g = 0; g < 2; g++)
            {
                _paths[g] = PathOf(directory, prefix, g);
                if (g == current)
                {
                    if (!File.Exists(_paths[g]))
                        throw new InvalidDataException($"The checkpoint's features file '{_paths[g]}' is missing: {needed}. {startOver}");
                    // FileShare.None: a second fit on the same directory cannot open the files while this one runs.
                    _files[g] = File.OpenHandle(_paths[g], FileMode.Open, FileAccess.ReadWrite, FileShare.None);
                    long length = RandomAccess.GetLength(_files[g]);
                    if (length != _length)
                        throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                            $"The checkpoint's features file '{_paths[g]}' is damaged: it has {length} bytes where W takes {_length} ({rows} rows x rank {k}). {startOver}"));
                    continue;
                }
                _files[g] = File.OpenHandle(_paths[g], current is null ? FileMode.Create : FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                if (current is null || RandomAccess.GetLength(_files[g]) != _length)
                    RandomAccess.SetLength(_files[g], _length);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The files of a resumed fit whose committed W is generation <paramref name="current"/> (see the private constructor).</summary>
    /// <param name="directory">The checkpoint directory.</param>
    /// <param name="prefix">The start of the files' names.</param>
    /// <param name="rows">m, the rows of W.</param>
    /// <param name="k">The rank.</param>
    /// <param name="current">The committed generation, 0 or 1.</param>
    /// <param name="startOver">What the user does to start over, appended to an error.</param>
    /// <param name="needed">Why the committed file is needed, for the error of a missing one.</param>
    public static CheckpointFeatureFiles Resume(string directory, string prefix, long rows, int k, int current, string startOver, string needed) =>
        new(directory, prefix, rows, k, current, startOver, needed);

    /// <summary>The generation (0 or 1) that reads return.</summary>
    public int Current { get; set; }

    /// <summary>The path of a generation's file.</summary>
    public static string PathOf(string directory, string prefix, int generation) =>
        Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"{prefix}.features-{generation}.bin"));

    public void Read(long firstRow, int rows, float[] w) => ReadBytes(_files[Current], MemoryMarshal.AsBytes(w.AsSpan(0, rows * _k)), 4L * firstRow * _k);

    public void Write(long firstRow, int rows, float[] w)
    {
        long offset = 4L * firstRow * _k;
        if (offset != _written)
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Features written out of row order: row {firstRow} after {_written / (4L * _k)} rows."));
        var bytes = MemoryMarshal.AsBytes(w.AsSpan(0, rows * _k));
        RandomAccess.Write(_files[1 - Current], bytes, offset);
        _hash.AppendData(bytes);
        _written += bytes.Length;
    }

    /// <summary>
    /// Flushes the generation this pass wrote to disk and returns its SHA-256 (hex), before the manifest that makes
    /// it current is written. Every row must have been written.
    /// </summary>
    public string FinishWritten()
    {
        if (_written != _length)
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"The pass wrote {_written} bytes of features where W takes {_length}."));
        RandomAccess.FlushToDisk(_files[1 - Current]);
        string sha = Convert.ToHexString(_hash.GetHashAndReset());
        return sha;
    }

    /// <summary>The written generation becomes current (after its manifest was committed); the next pass writes the other.</summary>
    public void Swap()
    {
        Current = 1 - Current;
        _written = 0;
    }

    /// <summary>Checks the current generation's file against the SHA-256 the manifest recorded for it.</summary>
    /// <exception cref="InvalidDataException">The file differs from what the committed pass wrote.</exception>
    public void Verify(string expectedSha256)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        for (long at = 0; at < _length; at += buffer.Length)
        {
            var span = buffer.AsSpan(0, (int)Math.Min(buffer.Length, _length - at));
            ReadBytes(_files[Current], span, at);
            hash.AppendData(span);
        }
        if (!string.Equals(Convert.ToHexString(hash.GetHashAndReset()), expectedSha256, StringComparison.Ordinal))
            throw new InvalidDataException($"The checkpoint's features file '{_paths[Current]}' is damaged: its SHA-256 differs from the one its manifest recorded. Delete the checkpoint directory's files (or point CheckpointDirectory at an empty directory) to start the fit over.");
    }

    /// <summary>Closes both files and deletes them.</summary>
    public void Delete()
    {
        Dispose();
        foreach (var path in _paths)
            if (path is not null)
                File.Delete(path);
    }

    public void Dispose()
    {
        foreach (var file in _files)
            file?.Dispose();
        _hash.Dispose();
    }

    private void ReadBytes(SafeFileHandle file, Span<byte> bytes, long offset)
    {
        int done = 0;
        while (done < bytes.Length)
        {
            int read = RandomAccess.Read(file, bytes[done..], offset + done);
            if (read <= 0)
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"The checkpoint's features file '{_paths[Current]}' ended early at byte {offset + done} of {_length}."));
            done += read;
        }
    }
}
