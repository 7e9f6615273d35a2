using System.Diagnostics;
using System.Globalization;
using Microsoft.Win32.SafeHandles;
using MLNet.Nmf.Engine.Kernels;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Projection;
using MLNet.Nmf.Engine.Solvers;

namespace MLNet.Nmf.Engine.Blocks;

/// <summary>
/// The streamed driver of the block step: exact alternating HALS over data that is read block by block, with
/// each block's features W_b kept in a temporary file between passes. Pass 1 counts the rows and sums what the
/// start needs; every further pass is one iteration of <see cref="NmfEngine.FitBlocks"/> (same blocks, same
/// start, same order of sums), so its components are FitBlocks' bit for bit. Memory: one block of X and its
/// transpose, one W_b, Hᵀ and two sets of statistics; nothing grows with the number of rows. Data of extreme
/// magnitude is fitted scaled by an exact power of two, as <see cref="NmfEngine.Fit"/> does, each block scaled as
/// it is read (the start's sums are pass 1's scaled exactly, so the bits are FitBlocks' unless scaled values fall
/// below float's normal range).
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
        if (k > n) // as OptionsValidator.Validate words it after pass 1, but before a pass that may take hours
            throw new ArgumentOutOfRangeException(nameof(options.Rank), k, Invariant(
                $"Rank {k} is above the number of features ({n}): with more components than features the factorization has no unique meaning, and memory grows with Rank. Use Rank <= {n}."));
        CheckInitialComponents(streaming, k, n);
        FitBudget.CheckStreamed(options, n, blockRows: 0);

        using var checkpoint = StreamedCheckpoint.Create(options, streaming);

        // Pass 1: the shape and sums of X, block by block.
        var clockPass = Stopwatch.StartNew();
        var blockRows = new List<int>();
        var blockSums = new List<double>(); // each block's sum, to tell a source that hands out other rows in a later pass
        var blockFingerprints = new List<ulong>(); // and its fingerprint, to tell pass 1's rows in another order (the same sum)
        int m = 0;
        long nonZeros = 0, stored = 0;
        double sum = 0, squares = 0;
        float min = float.PositiveInfinity, largest = 0;
        long released = 0;
        foreach (var matrix in Blocks(source, 1, options.CancellationToken, blocksOfPass1: null))
        {
            MaskedFit.RefuseMissing(matrix, firstRow: m);
            var block = DataOperand.Create(matrix);
            CheckColumns(block, blockRows.Count, n);
            blockRows.Add(block.Rows);
            blockSums.Add(block.Sum);
            blockFingerprints.Add(BlockFingerprint.Of(matrix));
            m = m + block.Rows < m ? throw new InvalidOperationException($"The data has more than {int.MaxValue} rows; a streamed fit supports up to that many.") : m + block.Rows;
            nonZeros += block.NonZeroCount;
            stored += block.StoredCount;
            sum += block.Sum;
            squares += block.SquaredNorm;
            min = Math.Min(min, block.MinValue);
            largest = MathF.Max(largest, DataScale.Largest(matrix));
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
        int maxRows = blockRows.Max();
        FitBudget.CheckStreamed(options, n, maxRows);

        // As NmfEngine.Fit: data beyond what float arithmetic carries is fitted scaled by an exact power of two (every
        // block as it is read, the warm start and the penalties with it) and the results scaled back; ordinary data as it is.
        var scale = DataScale.For(largest, squares).Balanced(options);
        var fitOptions = scale.Apply(options);
        if (!scale.IsNone)
            options.Log?.Invoke(Invariant($"NMF streamed: the data's values are outside the range float products carry exactly; fitting X / 2^{scale.Exponent} and scaling H by 2^{scale.HExponent}."));

        int degree = Math.Max(1, options.DegreeOfParallelism);
        double startScale = NmfBlockStart.RandomScale(Math.ScaleB(sum, -scale.Exponent), m, n, k);
        var initial = streaming.InitialComponents is not { } h ? null
            : scale.IsNone ? h.Values.ToArray() : DataScale.Scale(h.Values, -scale.HExponent);
        // A resumed fit continues from the checkpoint's components; only a fresh one builds its start.
        var saved = checkpoint?.Open(blockRows, n, nonZeros, stored, sum, min, k);
        if (saved?.Finished is { } monitor)
        {
            // The fit had finished (NmfStreamingOptions.KeepFinished): its result, without a further pass.
            var done = NmfComponentState.Resume(saved.ComponentsTransposed, n, m, nonZeros, fitOptions, saved.State);
            done.RestoreMonitor(monitor.SquaredError, monitor.DataSquaredNorm);
            options.Log?.Invoke(Invariant($"NMF streamed: the fit in '{streaming.CheckpointDirectory}' had finished (pass {saved.Passes}, iteration {done.Iterations}); its finished record is returned without further passes."));
            // Reported as a resume reports its restored pass (0 rows read), before the record may be deleted: a callback that throws loses nothing.
            streaming.PassCompleted?.Invoke(saved.Passes, 0, done.LossHistory[^1] * scale.ObjectiveFactor(2));
            if (streaming.KeepFinished)
                checkpoint!.DeletePassCheckpoint(); // left behind only by a fault right after the record was written
            else
                checkpoint!.Complete();
            return Result(done, scale, options, m, saved.Passes, saved.RowsRead, clock);
        }
        var components = saved is not null
            ? NmfComponentState.Resume(saved.ComponentsTransposed, n, m, nonZeros, fitOptions, saved.State)
            : new NmfComponentState(initial is not null
                ? FactorOps.TransposeToFactor(initial, k, n)
                : NmfBlockStart.RandomComponents(options.Seed, k, n, startScale), n, m, nonZeros, fitOptions);
        var warmProjector = initial is null || saved is not null ? null
            : new NmfProjector(FactorOps.TransposeToFactor(initial, k, n), n, k, 2.0, components.PenaltyW, options.ProjectionTolerance, options.ProjectionMaxIterations);
        using IStreamedFeatures store = checkpoint?.Features ?? new FeatureStore(streaming.FeatureDirectory, m, k);
        // One work buffer and one features buffer serve every block: a pass allocates only what the reader hands out.
        var product = new float[NmfBlockStep.WorkBufferLength(maxRows, n, k)];
        var w = FactorLayout.Allocate(maxRows, k);
        var scratch = new NmfBlockStatistics(k, n);
        var total = new NmfBlockStatistics(k, n);
        var measured = new NmfBlockStatistics(k, n);
        int passes = saved?.Passes ?? 1;
        bool recorded = false; // the finished record written (KeepFinished)
        rowsRead = saved?.RowsRead ?? rowsRead;
        if (saved is not null)
        {
            double objective = components.LossHistory[^1] * scale.ObjectiveFactor(2);
            streaming.PassCompleted?.Invoke(passes, 0, objective);
            options.Log?.Invoke(Invariant($"NMF streamed: resumed from the checkpoint in '{streaming.CheckpointDirectory}' after pass {passes} (iteration {components.Iterations}); objective {objective:G8}."));
        }
        while (!components.Finished && passes < streaming.MaxPasses)
        {
            clockPass.Restart();
            bool first = components.Iterations == 0;
            var input = components.NextStep();
            total.Clear();
            int b = 0;
            long firstRow = 0;
            foreach (var matrix in Blocks(source, passes + 1, options.CancellationToken, blockRows.Count))
            {
                MaskedFit.RefuseMissing(matrix, firstRow); // every pass: a source may hand out other values than pass 1 read
                var operand = DataOperand.Create(scale.IsNone ? matrix : scale.Apply(matrix));
                var step = new NmfBlockStep(operand, product);
                if (b >= blockRows.Count)
                    throw new InvalidOperationException(Invariant($"The data changed between passes: pass {passes + 1} gave more than the {blockRows.Count} blocks ({m} rows) pass 1 gave (block {b}, of {step.Rows} rows x {step.Columns}). A streamed fit needs the same rows in the same order on every pass."));
                if (step.Rows != blockRows[b] || step.Columns != n)
                    throw new InvalidOperationException(Invariant($"The data changed between passes: pass {passes + 1} gave block {b} with {step.Rows} rows x {step.Columns} where pass 1 gave {blockRows[b]} x {n}. A streamed fit needs the same rows in the same order on every pass."));
                CheckSameValues(operand.Sum, blockSums[b], scale, passes + 1, b, step.Rows);
                CheckSameOrder(BlockFingerprint.Of(matrix), blockFingerprints[b], blockSums[b], passes + 1, b, step.Rows);
                if (!first)
                    store.Read(firstRow, step.Rows, w);
                else if (warmProjector is not null)
                    step.Project(warmProjector, w, components.PenaltyW, degree);
                else
                    NmfBlockStart.FillRandomFeatures(w, step.Rows, options.Seed, k, n, firstRow, startScale);
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
            components.UpdateUnreported(total);
            passes++;
            rowsRead += m;
            // The pass is secured before the progress report and the callbacks, which may throw (a cancellation seen
            // after the pass's last block included): committed, or the finished record written if it was the last.
            if (checkpoint is not null && !components.Finished && passes < streaming.MaxPasses)
                checkpoint.Commit(passes, rowsRead, components);
            else if (checkpoint is not null && streaming.KeepFinished)
            {
                checkpoint.Finish(passes, rowsRead, components);
                recorded = true;
            }
            components.ReportProgress(); // the iteration's progress and the cancellation check, as Update makes them
            double objective = components.LossHistory[^1] * scale.ObjectiveFactor(2);
            streaming.PassCompleted?.Invoke(passes, m, objective);
            options.Log?.Invoke(Invariant($"NMF streamed: pass {passes} (iteration {components.Iterations}) read {m} rows in {clockPass.Elapsed.TotalSeconds:F3} s; objective {objective:G8}."));
        }

        if (checkpoint is not null && streaming.KeepFinished && !recorded)
            checkpoint.Finish(passes, rowsRead, components);
        else if (checkpoint is not null && !streaming.KeepFinished)
            checkpoint.Complete();
        return Result(components, scale, options, m, passes, rowsRead, clock);
    }

    /// <summary>The result of the fit, scaled back to the original data when it was rescaled (H exactly, the objectives by 2^(2E)).</summary>
    private static NmfStreamedResult Result(NmfComponentState components, DataScale scale, NmfFitOptions options, int m, int passes, long rowsRead, Stopwatch clock)
    {
        int k = components.Rank, n = components.Columns;
        double factor = scale.ObjectiveFactor(2);
        double squared = components.SquaredError;
        double relativeError = components.DataSquaredNorm > 0 ? Math.Sqrt(squared / components.DataSquaredNorm) : 0;
        var history = scale.IsNone ? components.LossHistory.ToArray() : components.LossHistory.Select(v => v * factor).ToArray();
        options.Log?.Invoke(Invariant($"NMF streamed: {passes} passes ({rowsRead} rows read), {components.Iterations} iterations in {clock.Elapsed.TotalSeconds:F3} s, {(components.Converged ? "converged" : "stopped at the pass or iteration limit without converging")}; objective {history[0]:G6} -> {history[^1]:G6}, relative error {relativeError:F6}."));
        float[] ht = components.ComponentsTransposed;
        var penaltyW = components.PenaltyW;
        if (!scale.IsNone)
        {
            ht = FactorOps.TransposeToFactor(NmfEngine.UnscaleComponents(FactorOps.TransposeFromFactor(ht, n, k), scale, k, n, "source"), k, n);
            NmfEngine.CheckComponents(ht, n, k, "source");
            penaltyW = Penalty.For(options, m, n).W; // the caller's options: the penalties of the original problem
            squared *= factor;
        }
        var projector = new NmfProjector(ht, n, k, 2.0, penaltyW, options.ProjectionTolerance, options.ProjectionMaxIterations);
        return new NmfStreamedResult(new DenseMatrix(k, n, projector.CopyComponents(), validate: false), m, components.Iterations, components.Converged,
            passes, rowsRead, history, relativeError, 0.5 * squared, projector, clock.Elapsed);
    }

    /// <summary>
    /// One pass of the source's blocks, refusing a null pass or block by name and checking
    /// <see cref="NmfFitOptions.CancellationToken"/> before each block (a cancelled fit reads no further block). In a
    /// later pass (<paramref name="blocksOfPass1"/> known) it is not checked after the last block: that block's work is
    /// done, so the pass ends and is committed, and the cancellation is seen before the next pass's first block.
    /// </summary>
    private static IEnumerable<INmfMatrix> Blocks(INmfRowBlockSource source, int pass, CancellationToken cancellation, int? blocksOfPass1)
    {
        cancellation.ThrowIfCancellationRequested();
        var blocks = source.ReadBlocks()
            ?? throw new InvalidOperationException(Invariant($"The source's ReadBlocks returned null for pass {pass}; it must return the pass's row blocks (an empty sequence when there are no rows)."));
        int b = 0;
        foreach (var matrix in blocks)
        {
            if (matrix is null)
                throw new InvalidOperationException(Invariant($"Pass {pass} of the source: row block {b} is null; ReadBlocks must hand out a DenseMatrix or CsrMatrix for every block."));
            yield return matrix;
            b++;
            if (b != blocksOfPass1) // after the last block the pass ends: its work is committed before the cancellation is seen
                cancellation.ThrowIfCancellationRequested();
        }
    }

    /// <summary>The warm start is checked as a custom start is (shape, finite non-negative values, not all zeros), before any row is read.</summary>
    private static void CheckInitialComponents(NmfStreamingOptions streaming, int k, int n)
    {
        if (streaming.InitialComponents is { } h0)
            OptionsValidator.CheckCustom(h0, nameof(streaming.InitialComponents), k, n); // its shape first, then its values
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
        OptionsValidator.ValidateOptions(options); // the options that do not depend on the data, before a pass that may take hours
        if (streaming.FeatureDirectory is { } features && streaming.CheckpointDirectory is null && !Directory.Exists(features))
            throw new ArgumentException(File.Exists(features)
                ? $"FeatureDirectory '{features}' is a file, not a directory; give an existing directory for W's temporary file, or null for the system's temporary folder."
                : $"FeatureDirectory '{features}' does not exist; give an existing directory for W's temporary file, or null for the system's temporary folder.", nameof(streaming.FeatureDirectory));
    }

    /// <summary>
    /// A block of a later pass must hold pass 1's values: its sum (a figure the block's operand computes anyway) is
    /// compared with pass 1's, exactly for data fitted as it is, within 1e-6 relative for data fitted scaled (values
    /// scaled below float's normal range lose bits). Each row's W is kept by position, so other rows would be fitted
    /// with their neighbours' features.
    /// </summary>
    private static void CheckSameValues(double sum, double firstPassSum, DataScale scale, int pass, int block, int rows)
    {
        double expected = Math.ScaleB(firstPassSum, -scale.Exponent);
        if (scale.IsNone ? sum == expected : Math.Abs(sum - expected) <= 1e-6 * Math.Abs(expected))
            return;
        throw new InvalidOperationException(Invariant(
            $"The data changed between passes: pass {pass} gave block {block} ({rows} rows) with other values than pass 1 (sum {Math.ScaleB(sum, scale.Exponent):R} where pass 1 read {firstPassSum:R}). A streamed fit needs the same rows in the same order on every pass: a source that orders or samples its rows anew on every read (a database query without ORDER BY, a random sample) must be saved once (e.g. mlContext.Data.SaveAsBinary) and the saved copy streamed."));
    }

    /// <summary>
    /// A block of a later pass must hold pass 1's values at pass 1's rows and slots: its fingerprint
    /// (<see cref="BlockFingerprint"/>, of the values as read, so exact for data fitted scaled too) is compared with pass 1's.
    /// Checked after the sum (whose message gives the figures); it catches what the sum cannot: the same rows in another order.
    /// </summary>
    private static void CheckSameOrder(ulong fingerprint, ulong firstPassFingerprint, double firstPassSum, int pass, int block, int rows)
    {
        if (fingerprint == firstPassFingerprint)
            return;
        throw new InvalidOperationException(Invariant(
            $"The data changed between passes: pass {pass} gave block {block} ({rows} rows) with the sum pass 1 read there ({firstPassSum:R}) but not the same values at the same rows and slots (rows handed out in another order, or values moved between them). A streamed fit needs the same rows in the same order on every pass: a source that orders or samples its rows anew on every read (a database query without ORDER BY, a random sample) must be saved once (e.g. mlContext.Data.SaveAsBinary) and the saved copy streamed."));
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
