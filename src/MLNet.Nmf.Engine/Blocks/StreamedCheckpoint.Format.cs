using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using MLNet.Nmf.Engine.Kernels;
using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Engine.Blocks;

/// <summary>
/// The checkpoint's file format: reading and checking the manifest and the finished record (magic, format version,
/// SHA-256, entries), and the option and data fingerprints a resume compares.
/// </summary>
internal sealed partial class StreamedCheckpoint
{
    /// <summary>The manifest's state, checked; a manifest whose recorded sizes run past its end is refused as inconsistent.</summary>
    private (Saved Saved, int Generation, string FeaturesSha) Read(int columns, int rank) => ReadFile(columns, rank, finished: false);

    /// <summary>The finished record's state, checked against the data's figures and the options as a manifest is.</summary>
    private Saved ReadFinished(int columns, int rank) => ReadFile(columns, rank, finished: true).Saved;

    /// <summary>
    /// Reads a manifest or a finished record as <see cref="WriteAtomically"/> wrote it: the same fields, a manifest with W's
    /// generation and SHA-256 after the rows read, a finished record with its two error figures after the loss history.
    /// A manifest's passes are below MaxPasses (the last pass is never committed), a finished record's at most MaxPasses.
    /// </summary>
    private (Saved Saved, int Generation, string FeaturesSha) ReadFile(int columns, int rank, bool finished)
    {
        string path = finished ? _finished : _manifest, what = finished ? "finished record" : "checkpoint manifest";
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            using var reader = OpenManifest(file, finished);
            Compare(ReadEntries(reader), ReadEntries(reader));
            int passes = reader.ReadInt32();
            long rowsRead = reader.ReadInt64();
            int generation = finished ? 0 : reader.ReadInt32();
            string featuresSha = finished ? "" : reader.ReadString();
            int iterations = reader.ReadInt32();
            double firstViolation = reader.ReadDouble();
            bool converged = reader.ReadBoolean();
            int historyLength = reader.ReadInt32();
            int savedColumns = reader.ReadInt32(), savedRank = reader.ReadInt32();
            if (generation is not (0 or 1) || passes < 2 || passes > _maxPasses || (!finished && passes == _maxPasses)
                || historyLength != iterations + 1 || iterations != passes - 1 || savedColumns != columns || savedRank != rank)
                throw new InvalidDataException($"The {what} '{path}' is inconsistent (generation, passes, iterations or sizes). {StartOver}");
            // historyLength follows from the checked passes, so this allocation is bounded by MaxPasses.
            var history = new double[historyLength];
            for (int i = 0; i < history.Length; i++)
                history[i] = reader.ReadDouble();
            (double, double)? errors = finished ? (reader.ReadDouble(), reader.ReadDouble()) : null;
            var ht = FactorLayout.Allocate(columns, rank);
            reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(ht.AsSpan(0, columns * rank)));
            if (reader.BaseStream.Position != reader.BaseStream.Length - SHA256.HashSizeInBytes)
                throw new InvalidDataException($"The {what} '{path}' is inconsistent (its length does not match its contents). {StartOver}");
            var state = new NmfComponentCheckpoint(iterations, firstViolation, converged, history);
            return (new Saved(passes, rowsRead, ht, state) { Finished = errors }, generation, featuresSha);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"The {what} '{path}' is inconsistent (its recorded sizes run past its end). {StartOver}", e);
        }
    }

    /// <summary>A reader positioned after the manifest's marker and version, once its SHA-256, marker and version are checked.</summary>
    private BinaryReader OpenManifest(FileStream file, bool finished)
    {
        string what = finished ? "finished record" : "checkpoint manifest", path = finished ? _finished : _manifest;
        CheckHash(file, what, path);
        file.Position = 0;
        var reader = new BinaryReader(file, Encoding.UTF8, leaveOpen: true);
        Span<byte> magic = stackalloc byte[Magic.Length];
        reader.BaseStream.ReadExactly(magic);
        if (!magic.SequenceEqual(finished ? FinishedMagic : Magic))
            throw new InvalidDataException($"'{path}' is not a {what} of MLNet.Nmf's streamed fit. {StartOver}");
        int version = reader.ReadInt32();
        if (version != FormatVersion)
            throw new InvalidDataException(Invariant($"The {what} '{path}' has format version {version}; this version of MLNet.Nmf reads version {FormatVersion}. {StartOver}"));
        return reader;
    }

    /// <summary>Refuses a manifest whose bytes do not give the SHA-256 stored in its last 32 bytes.</summary>
    private void CheckHash(FileStream file, string what, string path)
    {
        long length = file.Length - SHA256.HashSizeInBytes;
        if (length < Magic.Length + 4)
            throw new InvalidDataException(Invariant($"The {what} '{path}' is damaged: it has {file.Length} bytes, too few for a {(path == _manifest ? "manifest" : what)}. {StartOver}"));
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        for (long at = 0; at < length;)
        {
            int read = file.Read(buffer, 0, (int)Math.Min(buffer.Length, length - at));
            if (read <= 0)
                throw new InvalidDataException($"The {what} '{path}' ended early. {StartOver}");
            hash.AppendData(buffer, 0, read);
            at += read;
        }
        Span<byte> stored = stackalloc byte[SHA256.HashSizeInBytes];
        file.ReadExactly(stored);
        if (!stored.SequenceEqual(hash.GetHashAndReset()))
            throw new InvalidDataException($"The {what} '{path}' is damaged: its SHA-256 does not match its contents, so it cannot be trusted{(path == _manifest ? " to resume the fit" : "")}. {StartOver}");
    }

    /// <summary>Throws naming every figure of the data (none before pass 1: <paramref name="data"/> null) and every option that differs from the manifest's.</summary>
    private void Compare(List<(string Name, string Value)>? data, List<(string Name, string Value)> options)
    {
        var dataDifferences = data is null ? [] : Differences(data, _data!);
        var optionDifferences = Differences(options, _options);
        if (dataDifferences.Count == 0 && optionDifferences.Count == 0)
            return;
        var message = new StringBuilder(Invariant($"The checkpoint in '{_directory}' was made by another fit, so this fit cannot resume from it: "));
        if (dataDifferences.Count > 0)
            message.Append("the data differs (").Append(string.Join("; ", dataDifferences)).Append(')');
        if (optionDifferences.Count > 0)
            message.Append(dataDifferences.Count > 0 ? ", and " : "").Append("the options differ (").Append(string.Join("; ", optionDifferences)).Append(')');
        // The same rows split into other blocks change the block figures and the values' SHA-256, which hashes block by block.
        var savedData = data?.ToDictionary(e => e.Name, e => e.Value);
        var currentData = _data?.ToDictionary(e => e.Name, e => e.Value);
        if (savedData is not null && currentData is not null
            && savedData.GetValueOrDefault(RowsOfEachBlock) != currentData[RowsOfEachBlock] && savedData.GetValueOrDefault("rows") == currentData["rows"])
            message.Append(". The same ").Append(currentData["rows"]).Append(" rows came in other blocks: resume with the block size of the interrupted fit (NmfOptions.BlockSize in ML.NET; the source's blocks for NmfEngine.FitStreamed)");
        message.Append(". A checkpoint resumes only the same fit (same data, same options). ").Append(StartOver);
        throw new InvalidOperationException(message.ToString());
    }

    private static List<string> Differences(List<(string Name, string Value)> saved, List<(string Name, string Value)> current)
    {
        var differences = new List<string>();
        var savedByName = saved.ToDictionary(e => e.Name, e => e.Value);
        foreach (var (name, value) in current)
        {
            if (!savedByName.TryGetValue(name, out var before))
                differences.Add($"{Display(name)} is not recorded there, {value} here");
            else if (before != value)
                differences.Add($"{Display(name)} is {before} there, {value} here");
        }
        return differences;
    }

    /// <summary>An option's name in messages: the engine's, with ML.NET's where NmfOptions names it otherwise (the manifest keeps the engine's).</summary>
    private static string Display(string name) => name switch
    {
        "MaxIterations" => "MaxIterations (NmfOptions.MaximumIterations)",
        "MaxPasses" => "MaxPasses (NmfOptions.MaximumPasses)",
        _ => name,
    };

    private string StartOver => $"To start the fit over, delete the files {Prefix}.* in '{_directory}' or point CheckpointDirectory at an empty directory.";

    /// <summary>The options that change the fit's arithmetic or where it stops (not the threads: the result does not depend on them).</summary>
    private static List<(string, string)> Fingerprint(NmfFitOptions options, NmfStreamingOptions streaming) =>
    [
        ("Rank", Text(options.Rank)),
        ("Seed", Text(options.Seed)),
        ("Shuffle", options.Shuffle ? "true" : "false"),
        ("Solver", options.Solver.ToString()),
        ("Loss", options.Loss.ToString()),
        ("Initialization", options.Initialization.ToString()),
        ("AlphaW", Text(options.AlphaW)),
        ("AlphaH", options.AlphaH is { } alphaH ? Text(alphaH) : "null (AlphaW)"),
        ("L1Ratio", Text(options.L1Ratio)),
        ("InnerIterations", Text(options.InnerIterations)),
        ("Tolerance", Text(options.Tolerance)),
        ("MaxIterations", Text(options.MaxIterations)),
        ("MaxPasses", Text(streaming.MaxPasses)),
        ("ProjectionTolerance", Text(options.ProjectionTolerance)),
        ("ProjectionMaxIterations", Text(options.ProjectionMaxIterations)),
        ("InitialComponents", streaming.InitialComponents is { } h
            ? Invariant($"{h.Rows} x {h.Columns}, SHA-256 {Convert.ToHexString(SHA256.HashData(MemoryMarshal.AsBytes(h.Values)))}")
            : "none"),
    ];

    private const string RowsOfEachBlock = "rows of each block (SHA-256 of the list)";

    private static List<(string, string)> DataFigures(IReadOnlyList<int> blockRows, long rows, int columns, long nonZeros, long stored, double sum, float min, string contentSha) =>
    [
        ("columns", Text(columns)),
        ("rows", Text(rows)),
        ("row blocks", Text(blockRows.Count)),
        (RowsOfEachBlock, Convert.ToHexString(SHA256.HashData(MemoryMarshal.AsBytes(blockRows.ToArray().AsSpan())))),
        ("non-zero values", Text(nonZeros)),
        ("stored values", Text(stored)),
        ("sum", Text(sum)),
        ("smallest value", min.ToString("R", CultureInfo.InvariantCulture)),
        ("values (SHA-256 of the blocks)", contentSha),
    ];

    private static void WriteEntries(BinaryWriter writer, List<(string Name, string Value)> entries)
    {
        writer.Write(entries.Count);
        foreach (var (name, value) in entries)
        {
            writer.Write(name);
            writer.Write(value);
        }
    }

    private List<(string, string)> ReadEntries(BinaryReader reader)
    {
        int count = reader.ReadInt32();
        if (count is < 0 or > 1000)
            throw new InvalidDataException(Invariant($"The checkpoint manifest '{_manifest}' is inconsistent ({count} entries). {StartOver}"));
        var entries = new List<(string, string)>(count);
        for (int i = 0; i < count; i++)
            entries.Add((reader.ReadString(), reader.ReadString()));
        return entries;
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
