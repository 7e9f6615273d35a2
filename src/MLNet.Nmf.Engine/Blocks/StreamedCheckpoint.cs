using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using MLNet.Nmf.Engine.Kernels;
using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Engine.Blocks;

/// <summary>
/// The checkpoint of a streamed fit (<see cref="NmfStreamingOptions.CheckpointDirectory"/>): W in two generations of
/// files (<see cref="CheckpointFeatureFiles"/>) and a small manifest, replaced atomically after every completed pass
/// (written to a temporary file, flushed, moved over the old one, the directory flushed so that the rename survives a
/// power cut, <see cref="DirectorySync"/>), that records what the pass left: the data's
/// pass-1 figures, the options that change the arithmetic, the passes done, Hᵀ, the components' checkpoint
/// (<see cref="NmfComponentState.Checkpoint"/>), which W generation is current and its SHA-256. The manifest ends
/// with the SHA-256 of all its bytes. A fit started on a directory that holds a manifest resumes after the
/// recorded pass when the data and options match, and refuses to start otherwise. A fit that finishes with
/// <see cref="NmfStreamingOptions.KeepFinished"/> leaves a finished record instead (<see cref="Finish"/>), which a later
/// same fit returns after the counting pass. A fit holds the directory for its
/// duration (<see cref="CheckpointDirectoryLock"/>): a second fit on it at the same time is refused.
/// </summary>
internal sealed partial class StreamedCheckpoint : IDisposable
{
    /// <summary>The manifest's format version; a reader refuses others.</summary>
    public const int FormatVersion = 1;

    /// <summary>The start of every file name the checkpoint makes.</summary>
    public const string Prefix = "mlnet-nmf-stream";

    private static ReadOnlySpan<byte> Magic => "MLNET-NMF-STREAM"u8;

    /// <summary>The finished record's marker (as long as the manifest's).</summary>
    private static ReadOnlySpan<byte> FinishedMagic => "MLNET-NMF-FINISH"u8;

    /// <summary>The name of the finished record (<see cref="NmfStreamingOptions.KeepFinished"/>).</summary>
    public const string FinishedName = Prefix + ".finished";

    private readonly string _directory;
    private readonly string _manifest;
    private readonly string _finished;
    private readonly int _maxPasses;
    private readonly CheckpointDirectoryLock _lock;
    private readonly List<(string Name, string Value)> _options;
    private readonly IncrementalHash _content = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private List<(string Name, string Value)>? _data;
    private CheckpointFeatureFiles? _features;

    private StreamedCheckpoint(string directory, List<(string, string)> options, int maxPasses, CheckpointDirectoryLock directoryLock)
    {
        _maxPasses = maxPasses;
        _directory = directory;
        _lock = directoryLock;
        _manifest = Path.Combine(directory, Prefix + ".manifest");
        _finished = Path.Combine(directory, FinishedName);
        _options = options;
    }

    /// <summary>The state a resumed fit continues from.</summary>
    internal sealed record Saved(int Passes, long RowsRead, float[] ComponentsTransposed, NmfComponentCheckpoint State)
    {
        /// <summary>Set when the state is a finished fit's (<see cref="NmfStreamingOptions.KeepFinished"/>): its last monitor, ‖X − WH‖²_F and ‖X‖²_F.</summary>
        public (double SquaredError, double DataSquaredNorm)? Finished { get; init; }
    }

    /// <summary>
    /// The checkpoint of a fit with these options, or null when <see cref="NmfStreamingOptions.CheckpointDirectory"/> is null.
    /// Creates the directory and holds it (<see cref="CheckpointDirectoryLock"/>) until <see cref="Dispose"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">Another fit uses the directory now.</exception>
    public static StreamedCheckpoint? Create(NmfFitOptions options, NmfStreamingOptions streaming)
    {
        if (streaming.CheckpointDirectory is not { } directory)
            return null;
        if (string.IsNullOrWhiteSpace(directory))
            throw new ArgumentException("CheckpointDirectory is empty; give a directory (it is created if missing), or null to keep no checkpoint.", nameof(streaming.CheckpointDirectory));
        string full = Path.GetFullPath(directory);
        var fingerprint = Fingerprint(options, streaming);
        CheckpointDirectoryLock directoryLock;
        try
        {
            CreateDirectory(directory, full);
            directoryLock = CheckpointDirectoryLock.Take(full);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new UnauthorizedAccessException(
                $"CheckpointDirectory '{directory}' cannot be written by this process ({e.Message}). Give a directory this process can create and write, or null to keep no checkpoint.", e);
        }
        var checkpoint = new StreamedCheckpoint(full, fingerprint, streaming.MaxPasses, directoryLock);
        try
        {
            checkpoint.CheckBeforeReading();
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
        return checkpoint;
    }

    /// <summary>
    /// Before pass 1: a manifest in the directory must be intact, of this format and made with these options; what can be
    /// refused without the data is refused before a pass that may take hours. The data's figures are compared by <see cref="Open"/>.
    /// </summary>
    private void CheckBeforeReading()
    {
        bool finished = File.Exists(_finished);
        if (!finished && !File.Exists(_manifest))
            return;
        using var file = new FileStream(finished ? _finished : _manifest, FileMode.Open, FileAccess.Read, FileShare.Read);
        using var reader = OpenManifest(file, finished);
        ReadEntries(reader); // the data's figures: compared after pass 1
        Compare(data: null, ReadEntries(reader));
    }

    /// <summary>Creates the directory if missing, refusing by name a path that is a file or lies under one.</summary>
    private static void CreateDirectory(string directory, string full)
    {
        const string Give = "Give a directory (it is created if missing), or null to keep no checkpoint.";
        if (File.Exists(full))
            throw new ArgumentException($"CheckpointDirectory '{directory}' is a file, not a directory. {Give}", nameof(NmfStreamingOptions.CheckpointDirectory));
        for (string? parent = Path.GetDirectoryName(full); parent is not null; parent = Path.GetDirectoryName(parent))
        {
            if (File.Exists(parent))
                throw new ArgumentException($"CheckpointDirectory '{directory}' cannot be created: '{parent}' is a file. {Give}", nameof(NmfStreamingOptions.CheckpointDirectory));
            if (Directory.Exists(parent))
                break;
        }
        Directory.CreateDirectory(full);
    }

    /// <summary>W's files (valid after <see cref="Open"/>).</summary>
    public IStreamedFeatures Features => _features ?? throw new InvalidOperationException("Open the checkpoint first.");

    /// <summary>Adds a block read by pass 1 to the SHA-256 of the data's values.</summary>
    public void Add(INmfMatrix block)
    {
        Span<int> shape = [block.Rows, block.Columns, block is CsrMatrix ? 1 : 0];
        _content.AppendData(MemoryMarshal.AsBytes(shape));
        if (block is CsrMatrix csr)
        {
            _content.AppendData(MemoryMarshal.AsBytes(csr.RowPointers));
            _content.AppendData(MemoryMarshal.AsBytes(csr.ColumnIndices));
            _content.AppendData(MemoryMarshal.AsBytes(csr.Values));
        }
        else if (block is DenseMatrix dense)
        {
            _content.AppendData(MemoryMarshal.AsBytes(dense.Values));
        }
    }

    /// <summary>
    /// After pass 1: compares the data's figures and the options with a manifest in the directory, if there is one,
    /// and returns the state to resume from (W's current file checked against its SHA-256), or null for a fresh fit.
    /// </summary>
    /// <exception cref="InvalidOperationException">The manifest was made by a fit of other data or with other options.</exception>
    /// <exception cref="InvalidDataException">The manifest or the current features file is damaged.</exception>
    public Saved? Open(IReadOnlyList<int> blockRows, int columns, long nonZeros, long stored, double sum, float min, int rank)
    {
        long rows = blockRows.Sum(r => (long)r);
        _data = DataFigures(blockRows, rows, columns, nonZeros, stored, sum, min, Convert.ToHexString(_content.GetHashAndReset()));
        if (File.Exists(_finished))
            return ReadFinished(columns, rank);
        if (!File.Exists(_manifest))
        {
            _features = new CheckpointFeatureFiles(_directory, Prefix, rows, rank);
            return null;
        }
        var (saved, generation, featuresSha) = Read(columns, rank);
        _features = CheckpointFeatureFiles.Resume(_directory, Prefix, rows, rank, generation, StartOver,
            Invariant($"the manifest's pass {saved.Passes} needs it to resume"));
        _features.Verify(featuresSha);
        return saved;
    }

    /// <summary>
    /// Commits a completed pass: W's written generation flushed, then the manifest replaced atomically; the written
    /// generation becomes current. The last pass of a fit is not committed (the fit ends: it deletes the files, or keeps a finished record, <see cref="Finish"/>).
    /// </summary>
    public void Commit(int passes, long rowsRead, NmfComponentState components)
    {
        string featuresSha = _features!.FinishWritten();
        WriteAtomically(_manifest, Magic, passes, rowsRead, components, writer =>
        {
            writer.Write(1 - _features.Current);
            writer.Write(featuresSha);
        }, finished: false);
        _features.Swap();
    }

    /// <summary>
    /// The fit finished and its caller keeps the result (<see cref="NmfStreamingOptions.KeepFinished"/>): writes the
    /// finished record (the options, the data's figures, the final components and the figures the result needs, with the
    /// manifest's SHA-256 and atomic replacement), then deletes the pass checkpoint (manifest and W's files).
    /// </summary>
    public void Finish(int passes, long rowsRead, NmfComponentState components)
    {
        WriteAtomically(_finished, FinishedMagic, passes, rowsRead, components, _ => { }, finished: true);
        DeletePassCheckpoint();
    }

    /// <summary>A manifest or finished record: written to a temporary file with its SHA-256, flushed, moved over <paramref name="path"/>, the directory flushed.</summary>
    private void WriteAtomically(string path, ReadOnlySpan<byte> magic, int passes, long rowsRead, NmfComponentState components, Action<BinaryWriter> features, bool finished)
    {
        var head = new MemoryStream();
        using (var writer = new BinaryWriter(head, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(magic);
            writer.Write(FormatVersion);
            WriteEntries(writer, _data!);
            WriteEntries(writer, _options);
            writer.Write(passes);
            writer.Write(rowsRead);
            features(writer);
            var state = components.Checkpoint();
            writer.Write(state.Iterations);
            writer.Write(state.FirstViolation);
            writer.Write(state.Converged);
            writer.Write(state.LossHistory.Length);
            writer.Write(components.Columns);
            writer.Write(components.Rank);
            foreach (double v in state.LossHistory)
                writer.Write(v);
            if (finished)
            {
                writer.Write(components.SquaredError);
                writer.Write(components.DataSquaredNorm);
            }
        }
        var ht = MemoryMarshal.AsBytes(components.ComponentsTransposed.AsSpan(0, components.Columns * components.Rank));
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(head.GetBuffer(), 0, (int)head.Length);
        hash.AppendData(ht);
        string temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(head.GetBuffer(), 0, (int)head.Length);
            file.Write(ht);
            file.Write(hash.GetHashAndReset());
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
        DirectorySync.Flush(_directory); // the rename itself, durable before the pass (or the fit) counts as committed
    }

    /// <summary>The fit finished: deletes every file the checkpoint made (the directory stays).</summary>
    public void Complete()
    {
        DeletePassCheckpoint();
        File.Delete(_finished);
        File.Delete(_finished + ".tmp");
    }

    /// <summary>
    /// Deletes the pass checkpoint (manifest and W's files), also when a finished record was found and W's files were
    /// never opened: a fault between writing the record and this deletion leaves them behind.
    /// </summary>
    public void DeletePassCheckpoint()
    {
        if (_features is not null)
            _features.Delete();
        else
            for (int generation = 0; generation < 2; generation++)
                File.Delete(CheckpointFeatureFiles.PathOf(_directory, Prefix, generation));
        File.Delete(_manifest);
        File.Delete(_manifest + ".tmp");
    }

    /// <summary>
    /// Deletes the finished record a fit with <see cref="NmfStreamingOptions.KeepFinished"/> left in
    /// <paramref name="directory"/>, if any, holding the directory meanwhile (<see cref="CheckpointDirectoryLock"/>).
    /// </summary>
    public static void DeleteFinished(string directory)
    {
        string full = Path.GetFullPath(directory);
        if (!Directory.Exists(full))
            return;
        using var directoryLock = CheckpointDirectoryLock.Take(full);
        File.Delete(Path.Combine(full, FinishedName));
        File.Delete(Path.Combine(full, FinishedName + ".tmp"));
        DirectorySync.Flush(full);
    }

    /// <summary>
    /// Deletes every file a streamed fit's checkpoint keeps in <paramref name="directory"/> (the manifest, W's two files,
    /// the finished record, and the temporary files of the manifest and the record), found by their exact names and
    /// nothing else, holding the directory meanwhile (<see cref="CheckpointDirectoryLock"/>). Returns how many it deleted.
    /// </summary>
    public static int DeleteAll(string directory)
    {
        string full = Path.GetFullPath(directory);
        if (!Directory.Exists(full))
            return 0;
        using var directoryLock = CheckpointDirectoryLock.Take(full);
        string manifest = Path.Combine(full, Prefix + ".manifest"), finished = Path.Combine(full, FinishedName);
        string[] files =
        [
            manifest, manifest + ".tmp", finished, finished + ".tmp",
            CheckpointFeatureFiles.PathOf(full, Prefix, 0), CheckpointFeatureFiles.PathOf(full, Prefix, 1),
        ];
        int deleted = 0;
        foreach (string file in files)
        {
            if (!File.Exists(file))
                continue;
            File.Delete(file);
            deleted++;
        }
        if (deleted > 0)
            DirectorySync.Flush(full);
        return deleted;
    }

    /// <summary>Closes W's files and releases the directory.</summary>
    public void Dispose()
    {
        _features?.Dispose();
        _content.Dispose();
        _lock.Dispose();
    }
}
