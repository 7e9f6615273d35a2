using System.Diagnostics;
using System.Globalization;
using Microsoft.Win32.SafeHandles;
using MLNet.Nmf.Engine.Kernels;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Projection;

namespace MLNet.Nmf.Engine.Blocks;

/// <summary>
/// The streamed driver of the block step: exact alternating HALS over data that is read block by block, with
/// each block's features W_b kept in a temporary file between passes. Pass 1 counts the rows and sums what the
/// start needs; every further pass is one iteration of <see cref="NmfEngine.FitBlocks"/> (same blocks, same
/// start, same order of sums), so its components are FitBlocks' bit for bit. Memory: one block of X and its
/// transpose, one W_b, Hᵀ and two sets of statistics; nothing grows with the number of rows.
/// </summary>
internal static class StreamedFitDriver
{
    public static NmfStreamedResult Fit(INmfRowBlockSource source, NmfFitOptions options, NmfStreamingOptions streaming)
    {
        var clock = Stopwatch.StartNew();
        int n = source.Columns, k = options.Rank;
        CheckBeforeReading(options, streaming);
        if (n < 1)
            throw new ArgumentException(Invariant($"The source has {n} columns; NMF needs at least one."), nameof(source));

        using var checkpoint = StreamedCheckpoint.Create(options, streaming);

        // Pass 1: the shape and sums of X, block by block.
        var clockPass = Stopwatch.StartNew();
        var blockRows = new List<int>();
        int m = 0;
        long nonZeros = 0, stored = 0;
        double sum = 0;
        float min = float.PositiveInfinity;
        long released = 0;
        foreach (var matrix in source.ReadBlocks())
        {
            MaskedFit.RefuseMissing(matrix);
            var block = DataOperand.Create(matrix);
            CheckColumns(block, blockRows.Count, n);
            blockRows.Add(block.Rows);
            m = m + block.Rows < m ? throw new InvalidOperationException($"The data has more than {int.MaxValue} rows; a streamed fit supports up to that many.") : m + block.Rows;
            nonZeros += block.NonZeroCount;
            stored += block.StoredCount;
            sum += block.Sum;
            min = Math.Min(min, block.MinValue);
            checkpoint?.Add(matrix);
            ReleaseBlock(ref released, matrix.StoredCount);
        }
        if (m == 0)
            throw new InvalidOperationException("The data has no rows; NMF needs at least one.");
        long rowsRead = m;
        streaming.PassCompleted?.Invoke(1, m, double.NaN);
        options.Log?.Invoke(Invariant($"NMF streamed: pass 1 counted {m} rows x {n} ({stored} stored) in {blockRows.Count} blocks in {clockPass.Elapsed.TotalSeconds:F3} s."));

        // The start is Random (Auto means Random here) or the given components; the options are checked as for Random.
        OptionsValidator.Validate(options with { Initialization = NmfInitialization.Random }, m, n, sum, min, NmfInitialization.Random);
        if (streaming.InitialComponents is { } h0 && (h0.Rows != k || h0.Columns != n))
            throw new ArgumentException(Invariant($"The initial components must be {k} x {n} (rank x columns) but are {h0.Rows} x {h0.Columns}."), nameof(streaming.InitialComponents));

        int degree = Math.Max(1, options.DegreeOfParallelism);
        double scale = NmfBlockStart.RandomScale(sum, m, n, k);
        float[] ht = streaming.InitialComponents is { } h
            ? FactorOps.TransposeToFactor(h.Values, k, n)
            : NmfBlockStart.RandomComponents(options.Seed, k, n, scale);
        var components = new NmfComponentState(ht, n, m, nonZeros, options);
        var warmProjector = streaming.InitialComponents is null ? null
            : new NmfProjector(FactorOps.TransposeToFactor(streaming.InitialComponents.Values, k, n), n, k, 2.0, components.PenaltyW, options.ProjectionTolerance, options.ProjectionMaxIterations);

        var saved = checkpoint?.Open(blockRows, n, nonZeros, stored, sum, min, k);
        if (saved is not null)
        {
            ht = saved.ComponentsTransposed;
            components = NmfComponentState.Resume(ht, n, m, nonZeros, options, saved.State);
        }
        using IStreamedFeatures store = checkpoint?.Features ?? new FeatureStore(streaming.FeatureDirectory, m, k);
        // One work buffer and one features buffer serve every block: a pass allocates only what the reader hands out.
        int maxRows = blockRows.Max();
        var product = new float[NmfBlockStep.WorkBufferLength(maxRows, n, k)];
        var w = FactorLayout.Allocate(maxRows, k);
        var scratch = new NmfBlockStatistics(k, n);
        var total = new NmfBlockStatistics(k, n);
        var measured = new NmfBlockStatistics(k, n);
        int passes = saved?.Passes ?? 1;
        rowsRead = saved?.RowsRead ?? rowsRead;
        if (saved is not null)
        {
            streaming.PassCompleted?.Invoke(passes, 0, components.LossHistory[^1]);
            options.Log?.Invoke(Invariant($"NMF streamed: resumed from the checkpoint in '{streaming.CheckpointDirectory}' after pass {passes} (iteration {components.Iterations}); objective {components.LossHistory[^1]:G8}."));
        }
        while (!components.Finished && passes < streaming.MaxPasses)
        {
            clockPass.Restart();
            bool first = components.Iterations == 0;
            var input = components.NextStep();
            total.Clear();
            int b = 0;
            long firstRow = 0;
            foreach (var matrix in source.ReadBlocks())
            {
                var step = new NmfBlockStep(DataOperand.Create(matrix), product);
                if (b >= blockRows.Count || step.Rows != blockRows[b] || step.Columns != n)
                    throw new InvalidOperationException(Invariant($"The data changed between passes: pass {passes + 1} gave block {b} with {step.Rows} rows x {step.Columns} where pass 1 gave {(b < blockRows.Count ? blockRows[b] : 0)} x {n}. A streamed fit needs the same rows in the same order on every pass."));
                if (!first)
                    store.Read(firstRow, step.Rows, w);
                else if (warmProjector is not null)
                    step.Project(warmProjector, w, components.PenaltyW, degree);
                else
                    NmfBlockStart.FillRandomFeatures(w, step.Rows, options.Seed, k, n, firstRow, scale);
                if (first)
                    measured.Add(step.Measure(w, k, components.PenaltyW, degree, scratch));
                total.Add(step.Update(w, input, degree, scratch));
                store.Write(firstRow, step.Rows, w);
                firstRow += step.Rows;
                b++;
                ReleaseBlock(ref released, matrix.StoredCount);
            }
            if (b != blockRows.Count)
                throw new InvalidOperationException(Invariant($"The data changed between passes: pass {passes + 1} gave {b} blocks ({firstRow} rows) where pass 1 gave {blockRows.Count} ({m} rows). A streamed fit needs the same rows in the same order on every pass."));
            if (first)
                components.Start(measured);
            components.Update(total);
            passes++;
            rowsRead += m;
            if (checkpoint is not null && !components.Finished && passes < streaming.MaxPasses)
                checkpoint.Commit(passes, rowsRead, components); // before the callbacks, which may throw
            double objective = components.LossHistory[^1];
            streaming.PassCompleted?.Invoke(passes, m, objective);
            options.Log?.Invoke(Invariant($"NMF streamed: pass {passes} (iteration {components.Iterations}) read {m} rows in {clockPass.Elapsed.TotalSeconds:F3} s; objective {objective:G8}."));
        }

        checkpoint?.Complete();
        double squared = components.SquaredError;
        double relativeError = components.DataSquaredNorm > 0 ? Math.Sqrt(squared / components.DataSquaredNorm) : 0;
        var history = components.LossHistory.ToArray();
        options.Log?.Invoke(Invariant($"NMF streamed: {passes} passes ({rowsRead} rows read), {components.Iterations} iterations in {clock.Elapsed.TotalSeconds:F3} s, {(components.Converged ? "converged" : "stopped at the pass or iteration limit without converging")}; objective {history[0]:G6} -> {history[^1]:G6}, relative error {relativeError:F6}."));
        var projector = new NmfProjector(ht, n, k, 2.0, components.PenaltyW, options.ProjectionTolerance, options.ProjectionMaxIterations);
        return new NmfStreamedResult(new DenseMatrix(k, n, projector.CopyComponents(), validate: false), m, components.Iterations, components.Converged,
            passes, rowsRead, history, relativeError, 0.5 * squared, projector, clock.Elapsed);
    }

    /// <summary>Bytes of dropped blocks after which the driver asks for a collection.</summary>
    private const long CollectEvery = 64L << 20;

    /// <summary>
    /// Counts the bytes of a block that has just been dropped (the reader's arrays and the transpose, about
    /// 16 bytes per stored value) and, every <see cref="CollectEvery"/> bytes, asks for a full blocking collection.
    /// Blocks are large objects that die at once; left to its own pacing the GC lets them pile up in proportion to
    /// the rows read, which is the one thing a streamed fit must not do. A collection of a heap that holds one
    /// block costs a few milliseconds, a few times per 64 MiB read.
    /// </summary>
    private static void ReleaseBlock(ref long released, long storedValues)
    {
        released += 16 * storedValues;
        if (released < CollectEvery)
            return;
        released = 0;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: false);
    }

    /// <summary>What can be refused before any row is read.</summary>
    private static void CheckBeforeReading(NmfFitOptions options, NmfStreamingOptions streaming)
    {
        if (streaming.MaxPasses < 2)
            throw new ArgumentOutOfRangeException(nameof(streaming.MaxPasses), streaming.MaxPasses, "MaxPasses must be at least 2: one to count the rows and one per iteration.");
        if (options.Rank < 1)
            throw new ArgumentOutOfRangeException(nameof(options.Rank), options.Rank, "Rank must be at least 1.");
        if (options.Solver != NmfSolver.CoordinateDescent || options.EffectiveBeta != 2)
            throw new ArgumentException($"A streamed fit runs Solver CoordinateDescent with the Frobenius loss only, but Solver is {options.Solver} and Loss {options.Loss}. Fit in memory for other solvers and losses.", nameof(options.Solver));
        if (options.MissingValues != NmfMissingValues.Error)
            throw new ArgumentException("MissingValues = Ignore is not supported by the streamed fit (nor FitBlocks and the cluster fit built on the block step): the components' update of a column with missing entries needs the features of the very rows that miss it, which the summed block statistics do not carry. Fit in memory.", nameof(options.MissingValues));
        if (streaming.InitialComponents is null && options.Initialization is not (NmfInitialization.Auto or NmfInitialization.Random))
            throw new ArgumentException($"Initialization {options.Initialization} needs the whole matrix at once; a streamed fit starts from Random (or Auto, which means Random here), or from given components (warm start).", nameof(options.Initialization));
    }

    private static void CheckColumns(DataOperand block, int index, int n)
    {
        if (block.Columns != n)
            throw new InvalidOperationException(Invariant($"Row block {index} has {block.Columns} columns but the source declares {n}."));
    }

    /// <summary>W (m x k floats) in a temporary file, deleted when disposed; block b lives at its first row's offset.</summary>
    private sealed class FeatureStore : IStreamedFeatures
    {
        private readonly SafeFileHandle _file;
        private readonly int _k;

        public FeatureStore(string? directory, int rows, int k)
        {
            _k = k;
            string path = Path.Combine(directory ?? Path.GetTempPath(), $"mlnet-nmf-features-{Guid.NewGuid():N}.bin");
            _file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.DeleteOnClose, preallocationSize: 4L * rows * k);
        }

        public void Read(long firstRow, int rows, float[] w)
        {
            var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(w.AsSpan(0, rows * _k));
            int done = 0;
            while (done < bytes.Length)
            {
                int read = RandomAccess.Read(_file, bytes[done..], 4L * firstRow * _k + done);
                if (read <= 0)
                    throw new IOException(Invariant($"The features file ended early at row {firstRow}."));
                done += read;
            }
        }

        public void Write(long firstRow, int rows, float[] w) =>
            RandomAccess.Write(_file, System.Runtime.InteropServices.MemoryMarshal.AsBytes(w.AsSpan(0, rows * _k)), 4L * firstRow * _k);

        public void Dispose() => _file.Dispose();
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
