using System.Diagnostics;
using System.Globalization;
using MLNet.Nmf.Engine.Blocks;
using MLNet.Nmf.Engine.Initialization;
using MLNet.Nmf.Engine.Losses;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Projection;
using MLNet.Nmf.Engine.Solvers;

namespace MLNet.Nmf.Engine;

/// <summary>
/// Non-negative matrix factorization X (m x n) ≈ W (m x k) · H (k x n), with W, H ≥ 0.
/// Rows of X are samples; <b>H holds the k components</b> and <b>W the features of each row</b>
/// (scikit-learn's convention; some papers swap the names).
/// </summary>
/// <remarks>
/// The engine knows nothing of ML.NET: it takes a <see cref="DenseMatrix"/> or <see cref="CsrMatrix"/>
/// and options and returns an <see cref="NmfResult"/>. Results depend on the seed only, never on
/// <see cref="NmfFitOptions.DegreeOfParallelism"/>: work is split into blocks fixed by the data and
/// partial sums are added in block order.
/// </remarks>
public static class NmfEngine
{
    /// <summary>Fits W and H to <paramref name="x"/>.</summary>
    /// <param name="x">The data, finite and non-negative (checked when the matrix was built).</param>
    /// <param name="options">The settings; null for the defaults.</param>
    /// <remarks>
    /// Every size is checked before anything is allocated: Rank may not exceed the number of features, and a fit
    /// whose memory estimate exceeds <see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/> is refused. Data of any
    /// finite magnitude is accepted: values beyond what float products carry (largest value outside
    /// [2⁻²⁰, 2⁴⁰]) are fitted scaled by an exact power of two, with W, H and the penalties scaled back exactly,
    /// so the factors are finite; ordinary data is fitted exactly as without this. A penalised fit splits the scale
    /// evenly between W and H, so that data times 2^e with the penalty of the same minimiser (α·2^(1.5e) for L1, α·2^e
    /// for L2) is fitted exactly as the ordinary data; a rescaled penalty weight beyond
    /// <see cref="NmfFitOptions.Limits.MaxPenalty"/> (a penalty that zeroes every factor) is held at it.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range, Rank is above the number of features, or the fit
    /// would need more memory than the process may use; the message names the option (Rank and the bytes for the last two).</exception>
    /// <exception cref="ArgumentException">The options do not fit the data or each other (e.g. NNDSVD with rank &gt; min(m, n),
    /// a custom start of the wrong shape, all zeros or far beyond the data's magnitude, β ≤ 0 with zeros in X), or float
    /// cannot represent the factors of this data at all (the message says which).</exception>
    public static NmfResult Fit(INmfMatrix x, NmfFitOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        options ??= new NmfFitOptions();
        if (options.MissingValues != NmfMissingValues.Error)
            return EnsureFinite(MaskedFit.Run(x, options));
        MaskedFit.RefuseMissing(x);
        var data = DataOperand.Create(x);
        var init = Initializer.Resolve(options.Initialization, options.Rank, data.Rows, data.Columns);
        OptionsValidator.Validate(options, data, init); // sizes and memory too, before anything rank-sized is allocated
        ReclaimEarlierResults(data.Rows, data.Columns, options.Rank);
        options.Log?.Invoke(Invariant($"NMF: starting rank {options.Rank} on {data.Rows} x {data.Columns} ({data.StoredCount} stored); it will use about {FitBudget.EstimateBytes(options, data, init) / (1 << 20):F0} MiB of memory beyond the data{FitBudget.WorkNote(options, data)}."));
        // Data beyond what float arithmetic carries is fitted scaled by an exact power of two; ordinary data as it is.
        // The largest value from the operand's statistics pass (the data has no NaN here): no further pass over the data.
        var scale = DataScale.For(data.MaxValue, data.SquaredNorm).Balanced(options);
        OptionsValidator.CheckCustomMagnitude(options, init, scale);
        if (scale.IsNone)
            return EnsureFinite(FitCore(data, options, init));
        options.Log?.Invoke(Invariant($"NMF: the data's values are outside the range float products carry exactly; fitting X / 2^{scale.Exponent} and scaling W by 2^{scale.WExponent}, H by 2^{scale.HExponent}."));
        var scaledData = DataOperand.Create(scale.Apply(x));
        OptionsValidator.CheckScaledZeros(options, data.MinValue, data.MaxValue, scaledData.MinValue, scale);
        var scaled = FitCore(scaledData, scale.Apply(options), init);
        return EnsureFinite(Unscale(scaled, scale, new[] { data }, options, "x"));
    }

    /// <summary>
    /// The last guard of "finite input, finite factors": a non-finite value here would be a defect of the engine,
    /// reported as such rather than passed on (or later blamed on the input).
    /// </summary>
    internal static NmfResult EnsureFinite(NmfResult result)
    {
        var w = result.W.Values;
        for (int i = 0; i < w.Length; i++)
            if (!float.IsFinite(w[i]))
                throw Defect(w[i], "W", i / result.W.Columns, i % result.W.Columns);
        // H through the projector's Hᵀ (the same values): reading result.H would copy it at the fit's peak.
        int k = result.Projector.Rank, n = result.Projector.Features;
        var ht = result.Projector.ComponentsTransposed.AsSpan(0, k * n);
        for (int i = 0; i < ht.Length; i++)
            if (!float.IsFinite(ht[i]))
                throw Defect(ht[i], "H", i % k, i / k);
        return result;

        static InvalidOperationException Defect(float value, string name, int row, int column) =>
            new(Invariant($"NMF produced {value} in {name} at row {row}, column {column} from finite input; this is a defect of MLNet.Nmf, please report it with the data's shape and options."));
    }

    /// <summary>Fits whose results (W, H and the projector's Hᵀ) take at least this many floats start with a full GC.</summary>
    internal const long ReclaimThresholdFloats = 1L << 16; // 256 KB

    /// <summary>
    /// Every scratch buffer of a fit is pooled (<see cref="Memory.BufferPool"/>), so what a fit allocates afresh is its
    /// result alone. An earlier fit's results that the caller has dropped are garbage the GC has no reason to reclaim yet
    /// (its large-object budget is several such results), so each further fit in the same process would raise the peak
    /// resident set by one result. A fit with results of 256 KB or more therefore starts with one blocking full collection:
    /// its cost is that of marking the live heap (milliseconds next to such a fit), and a second and third fit then add nothing.
    /// </summary>
    internal static void ReclaimEarlierResults(int rows, int columns, int k)
    {
        if ((long)k * (rows + 2L * columns) >= ReclaimThresholdFloats)
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: false);
    }

    /// <summary>The fit of validated options: the block step on one block for CoordinateDescent, the whole-matrix solvers otherwise.</summary>
    private static NmfResult FitCore(DataOperand data, NmfFitOptions options, NmfInitialization init)
    {
        if (options.Solver == NmfSolver.CoordinateDescent)
            return BlockFitDriver.Fit(new[] { data }, options); // the block step on one block (it gives its buffers back)
        try
        {
            return FitWholeMatrix(data, options, init);
        }
        finally
        {
            data.ReleaseBuffers(); // the transposed copy of X goes back to the pool for the next fit
        }
    }

    private static NmfResult FitWholeMatrix(DataOperand data, NmfFitOptions options, NmfInitialization init)
    {

        int k = options.Rank;
        var random = new SeededRandom((ulong)(uint)options.Seed);
        int degree = Math.Max(1, options.DegreeOfParallelism);
        var clock = Stopwatch.StartNew();
        var (w, ht) = Initializer.Create(data, options, init, random, degree);
        var state = new FitState(data, w, ht, k, options);
        _ = data.Transposed; // built once here so that the solver's time is the iterations' alone
        var initTime = clock.Elapsed;
        options.Log?.Invoke(Invariant($"NMF: {data.Rows} x {data.Columns} ({data.StoredCount} stored), rank {k}, {options.Solver}, {options.Loss}, init {init} in {initTime.TotalSeconds:F3} s."));
        clock.Restart();

        SolverOutcome outcome = options.Solver == NmfSolver.MultiplicativeUpdate
            ? MultiplicativeUpdateSolver.Run(state)
            : CoordinateDescentKLSolver.Run(state);

        var solverTime = clock.Elapsed;
        options.Log?.Invoke(Invariant($"NMF: {outcome.Iterations} iterations in {solverTime.TotalSeconds:F3} s, {(outcome.Converged ? "converged" : "stopped at MaxIterations without converging")}; objective {outcome.LossHistory[0]:G6} -> {outcome.LossHistory[^1]:G6}."));
        clock.Restart();
        double beta = options.EffectiveBeta;
        var projector = new NmfProjector(ht, data.Columns, k, beta, state.PenaltyW, options.ProjectionTolerance, options.ProjectionMaxIterations);
        long stage = Stopwatch.GetTimestamp();
        float[] features = ProjectTraining(projector, data, degree, into: state.W); // the solver's W is done with
        StageClock.Add("final projection", stage);
        stage = Stopwatch.GetTimestamp();

        double squaredError = Divergence.SquaredError(data, features, ht, k, degree);
        double divergence = beta == 2 ? 0.5 * squaredError : Divergence.Reported(Divergence.Beta(data, features, ht, k, beta, degree));
        double objective = divergence
            + state.PenaltyW.Evaluate(features.AsSpan(0, data.Rows * k))
            + state.PenaltyH.Evaluate(ht.AsSpan(0, data.Columns * k));
        double relativeError = data.SquaredNorm > 0 ? Math.Sqrt(squaredError / data.SquaredNorm) : 0;
        StageClock.Add("final error", stage);
        var projectionTime = clock.Elapsed;
        options.Log?.Invoke(Invariant($"NMF: features projected and evaluated in {projectionTime.TotalSeconds:F3} s; relative error {relativeError:F6}, divergence {divergence:G8}."));

        return new NmfResult(
            // W is the padded factor itself (its padding lies past the matrix's values): no second m x k copy.
            new DenseMatrix(data.Rows, k, features, validate: false),
            null, // H: copied from the projector on first use
            outcome.Iterations, outcome.Converged, outcome.LossHistory, relativeError, divergence, objective, projector,
            new NmfTimings(initTime, solverTime, projectionTime));
    }

    /// <summary>
    /// The result of the original problem from that of the scaled one: H = 2^HExponent · H' exactly, W projected
    /// from the original rows (block by block, in order) onto H with the original penalties (the projection rescales
    /// each row as it needs), so the fit's W is what Transform gives; the divergence, objective and loss history
    /// scaled by 2^(Eβ). With a <paramref name="pattern"/> (a fit with missing values, one block), the rows are
    /// projected on their observed entries.
    /// </summary>
    internal static NmfResult Unscale(NmfResult scaled, DataScale scale, IReadOnlyList<DataOperand> blocks, NmfFitOptions options, string paramName,
        MissingPattern? pattern = null)
    {
        if (pattern is not null && blocks.Count != 1)
            throw new ArgumentException("A fit with missing values is unscaled as one block.", nameof(blocks));
        int k = options.Rank, n = blocks[0].Columns, m = 0;
        foreach (var block in blocks)
            m = checked(m + block.Rows);
        var clock = Stopwatch.StartNew();
        var h = UnscaleComponents(scaled.H.Values, scale, k, n, paramName);
        var ht = Kernels.FactorOps.TransposeToFactor(h, k, n);
        CheckComponents(ht, n, k, paramName);
        double beta = options.EffectiveBeta, factor = scale.ObjectiveFactor(beta);
        var (penaltyW, penaltyH) = Penalty.For(options, m, n);
        var projector = new NmfProjector(ht, n, k, beta, penaltyW, options.ProjectionTolerance, options.ProjectionMaxIterations, allowMissing: pattern is not null);
        int degree = Math.Max(1, options.DegreeOfParallelism);
        var w = new float[checked(m * k)];
        int at = 0;
        foreach (var block in blocks)
        {
            float[] features = ProjectTraining(projector, block, pattern, degree, into: null);
            features.AsSpan(0, block.Rows * k).CopyTo(w.AsSpan(at));
            at += block.Rows * k;
        }
        double divergence = scaled.Divergence * factor;
        double objective = divergence + penaltyW.Evaluate(w) + penaltyH.Evaluate(h);
        var history = scaled.LossHistory.Select(v => v * factor).ToArray();
        var timings = scaled.Timings with { Projection = scaled.Timings.Projection + clock.Elapsed };
        return new NmfResult(
            new DenseMatrix(m, k, w, validate: false),
            new DenseMatrix(k, n, h, validate: false),
            scaled.Iterations, scaled.Converged, history, scaled.RelativeError, divergence, objective, projector, timings);
    }

    /// <summary>H = 2^HExponent · H' (k x n, row-major), refused by name when float cannot hold it.</summary>
    internal static float[] UnscaleComponents(ReadOnlySpan<float> scaledH, DataScale scale, int k, int n, string paramName)
    {
        var h = DataScale.Scale(scaledH, scale.HExponent);
        foreach (float v in h)
            if (!float.IsFinite(v))
                throw new ArgumentException(Invariant($"NMF cannot represent the components of this data in float (rank {k}, {n} features; its values span a range float cannot factorize). Scale the data towards 1 before factorizing."), paramName);
        return h;
    }

    /// <summary>The fit's own rows projected, a row whose features overflow float named.</summary>
    private static float[] ProjectTraining(NmfProjector projector, DataOperand data, int degree, float[]? into) =>
        ProjectTraining(projector, data, null, degree, into);

    /// <summary>As above; with a <paramref name="pattern"/>, each row on its observed entries.</summary>
    private static float[] ProjectTraining(NmfProjector projector, DataOperand data, MissingPattern? pattern, int degree, float[]? into)
    {
        try
        {
            return pattern is null ? projector.ProjectAll(data, degree, into) : projector.ProjectAll(data, pattern, degree, into);
        }
        catch (OverflowException e)
        {
            throw new ArgumentException("Projecting the training rows failed: " + e.Message, "x", e);
        }
    }

    /// <summary>Refuses components whose Gram matrix float cannot hold (see <see cref="NmfFitOptions.Limits.MaxComponentSquaredNorm"/>).</summary>
    internal static void CheckComponents(float[] ht, int n, int k, string paramName)
    {
        var squares = new double[k];
        for (int j = 0; j < n; j++)
            for (int t = 0; t < k; t++)
                squares[t] += (double)ht[(long)j * k + t] * ht[(long)j * k + t];
        for (int t = 0; t < k; t++)
            if (!(squares[t] <= NmfFitOptions.Limits.MaxComponentSquaredNorm))
                throw new ArgumentException(Invariant($"NMF cannot represent component {t} of this data in float (its squared norm is {squares[t]:G6}, above {NmfFitOptions.Limits.MaxComponentSquaredNorm:G6}: its projections would overflow float). Scale the data towards 1 before factorizing."), paramName);
    }

    /// <summary>
    /// Fits W and H to the matrix whose rows are the rows of <paramref name="rowBlocks"/> one after the other,
    /// by exact alternating HALS on row blocks (<see cref="NmfBlockStep"/>, <see cref="NmfComponentState"/>):
    /// each iteration updates every block's features, then the components from the blocks' statistics
    /// summed in block order. This is the single-machine reference of every block-wise driver: a cluster or
    /// out-of-core driver that follows the same sequence gets the same bits.
    /// </summary>
    /// <remarks>
    /// Solver <see cref="NmfSolver.CoordinateDescent"/> (Frobenius) only. With one block the result is
    /// <see cref="Fit"/>'s, bit for bit. With several, <see cref="NmfInitialization.Auto"/> means
    /// <see cref="NmfInitialization.Random"/> (the SVD starts need the whole matrix), whose start does not depend
    /// on the split (<see cref="NmfBlockStart"/>); the result does depend on the split in its last bits, since
    /// the sums are formed block by block. It never depends on the thread count. Data of extreme magnitude is
    /// rescaled as <see cref="Fit"/> rescales it (the largest value over all blocks decides) and W, H scaled back.
    /// </remarks>
    /// <param name="rowBlocks">Consecutive row blocks of X, each a <see cref="DenseMatrix"/> or <see cref="CsrMatrix"/> with the same columns.</param>
    /// <param name="options">The settings; null for the defaults.</param>
    /// <exception cref="ArgumentException">No blocks, blocks of different widths, a solver other than CoordinateDescent,
    /// an SVD initialisation with several blocks, or any of <see cref="Fit"/>'s option errors.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public static NmfResult FitBlocks(IReadOnlyList<INmfMatrix> rowBlocks, NmfFitOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(rowBlocks);
        if (rowBlocks.Count == 0)
            throw new ArgumentException("FitBlocks needs at least one row block.", nameof(rowBlocks));
        if (options is { MissingValues: not NmfMissingValues.Error })
            throw new ArgumentException("MissingValues = Ignore is not supported by FitBlocks (nor the streamed and cluster fits built on the block step): the components' update of a column with missing entries needs the features of the very rows that miss it, which the summed block statistics do not carry. Fit the whole matrix with NmfEngine.Fit.", nameof(options.MissingValues));
        long firstRow = 0;
        foreach (var block in rowBlocks)
            if (block is not null)
            {
                MaskedFit.RefuseMissing(block, firstRow);
                firstRow += block.Rows;
            }
        var blocks = new DataOperand[rowBlocks.Count];
        for (int b = 0; b < blocks.Length; b++)
            blocks[b] = DataOperand.Create(rowBlocks[b] ?? throw new ArgumentException($"Row block {b} is null.", nameof(rowBlocks)));
        options ??= new NmfFitOptions();
        // As Fit: data beyond what float arithmetic carries is fitted scaled by an exact power of two; ordinary data as it is.
        double squaredNorm = 0;
        foreach (var block in blocks)
            squaredNorm += block.SquaredNorm;
        var scale = DataScale.For(rowBlocks, squaredNorm).Balanced(options);
        OptionsValidator.CheckCustomMagnitude(options, options.Initialization, scale);
        if (scale.IsNone)
            return BlockFitDriver.Fit(blocks, options);
        BlockFitDriver.Check(blocks, options); // the caller's options and data, so that an error quotes what was given
        options.Log?.Invoke(Invariant($"NMF: the data's values are outside the range float products carry exactly; fitting X / 2^{scale.Exponent} and scaling W by 2^{scale.WExponent}, H by 2^{scale.HExponent}."));
        var scaledBlocks = new DataOperand[blocks.Length];
        for (int b = 0; b < blocks.Length; b++)
            scaledBlocks[b] = DataOperand.Create(scale.Apply(rowBlocks[b]));
        var scaled = BlockFitDriver.Fit(scaledBlocks, scale.Apply(options));
        return EnsureFinite(Unscale(scaled, scale, blocks, options, nameof(rowBlocks)));
    }

    /// <summary>
    /// Deletes the finished record that a streamed fit with <see cref="NmfStreamingOptions.KeepFinished"/> left in
    /// <paramref name="checkpointDirectory"/> (nothing when there is none or the directory does not exist), holding the
    /// directory meanwhile as a fit does.
    /// </summary>
    /// <exception cref="InvalidOperationException">A streamed fit uses the directory now.</exception>
    public static void DeleteFinishedRecord(string checkpointDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(checkpointDirectory);
        StreamedCheckpoint.DeleteFinished(checkpointDirectory);
    }

    /// <summary>
    /// Deletes the files a streamed fit's checkpoint keeps in <paramref name="checkpointDirectory"/>
    /// (<see cref="NmfStreamingOptions.CheckpointDirectory"/>): the manifest, W's two files and the finished record
    /// (<c>mlnet-nmf-stream.manifest</c>, <c>mlnet-nmf-stream.features-0.bin</c>, <c>mlnet-nmf-stream.features-1.bin</c>,
    /// <c>mlnet-nmf-stream.finished</c>, and the <c>.tmp</c> files of the manifest and the record), found by these exact
    /// names: no other file of the directory is touched, and the directory stays. Nothing happens when the directory does
    /// not exist. The directory is held meanwhile as a fit holds it. Use it when the fit that the checkpoint would resume
    /// is not going to run (e.g. the data was fitted in memory instead).
    /// </summary>
    /// <returns>The number of files deleted.</returns>
    /// <exception cref="InvalidOperationException">A streamed fit uses the directory now.</exception>
    public static int DeleteCheckpoint(string checkpointDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(checkpointDirectory);
        return StreamedCheckpoint.DeleteAll(checkpointDirectory);
    }

    /// <summary>
    /// Fits the components H to data that is read block by block and never held whole (out of core): exact
    /// alternating HALS, one pass over the data per iteration, each block's features W_b kept in a temporary
    /// file between passes. The first pass counts the rows and sums what the start needs.
    /// </summary>
    /// <remarks>
    /// Every iteration is <see cref="FitBlocks"/>' iteration on the same blocks, so the components equal
    /// FitBlocks' bit for bit (for a Random start); they never depend on the thread count. Memory holds one block
    /// of X (and its transpose), its W_b, Hᵀ and two k x n statistics, whatever the number of rows.
    /// Solver <see cref="NmfSolver.CoordinateDescent"/> with the Frobenius loss only. Data of extreme magnitude is
    /// rescaled as <see cref="Fit"/> rescales it (decided after the counting pass; each block scaled as it is read)
    /// and H scaled back exactly. <see cref="NmfFitOptions.CancellationToken"/> is checked before every block but a pass's
    /// first and, after a pass's last block, once the pass is committed (<see cref="NmfStreamingOptions.CheckpointDirectory"/>),
    /// so that a resume starts after it. Every later pass must hand out pass 1's blocks: the same rows per block and, in
    /// each block, the same values at the same rows and slots (its sum and an order-sensitive fingerprint are compared
    /// with pass 1's), since each row's W is kept by position.
    /// </remarks>
    /// <param name="source">The data: each call of <see cref="INmfRowBlockSource.ReadBlocks"/> is one pass.</param>
    /// <param name="options">The fit's settings; null for the defaults.</param>
    /// <param name="streaming">The streaming settings (passes, warm start, where W lives, a checkpoint to resume from after a fault); null for the defaults.</param>
    /// <exception cref="ArgumentException">Another solver or loss, an SVD start, initial components of the wrong shape,
    /// with a negative, NaN or infinite value, or all zeros, or a NaN in a block (in any pass).</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range, or Rank needs arrays or memory the process
    /// cannot have; the message names it.</exception>
    /// <exception cref="InvalidOperationException">The data is empty, changed between passes (other rows, or pass 1's rows
    /// in another order within a block: the message names the pass and the block), or the source handed out
    /// null for a pass or a block; or <see cref="NmfStreamingOptions.CheckpointDirectory"/> holds the checkpoint of a fit
    /// of other data or with other options.</exception>
    /// <exception cref="InvalidDataException">The checkpoint in <see cref="NmfStreamingOptions.CheckpointDirectory"/> is damaged or of an unknown version.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static NmfStreamedResult FitStreamed(INmfRowBlockSource source, NmfFitOptions? options = null, NmfStreamingOptions? streaming = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        return StreamedFitDriver.Fit(source, options ?? new NmfFitOptions(), streaming ?? new NmfStreamingOptions());
    }

    /// <summary>
    /// A projector for components learned elsewhere (e.g. loaded from a saved model): rows are projected
    /// exactly as <see cref="Fit"/> projects its training rows.
    /// </summary>
    /// <param name="components">H (k x n), non-negative.</param>
    /// <param name="beta">2 for Frobenius, 1 for Kullback-Leibler, or another beta.</param>
    /// <param name="penalty">The scaled penalties on the features (see <see cref="Penalty.For"/>).</param>
    /// <param name="tolerance">Relative tolerance of the per-row solve.</param>
    /// <param name="maxIterations">Maximum sweeps per row.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside <see cref="NmfFitOptions.Limits"/>, or the rank is above the
    /// number of features.</exception>
    /// <exception cref="ArgumentException">A component's squared norm exceeds <see cref="NmfFitOptions.Limits.MaxComponentSquaredNorm"/>.</exception>
    public static NmfProjector CreateProjector(DenseMatrix components, double beta, Penalty penalty,
        double tolerance = NmfFitOptions.Defaults.ProjectionTolerance, int maxIterations = NmfFitOptions.Defaults.ProjectionMaxIterations) =>
        CreateProjector(components, beta, penalty, NmfMissingValues.Error, tolerance, maxIterations);

    /// <summary>
    /// A projector for components learned elsewhere that treats NaN in a row as a missing entry when
    /// <paramref name="missingValues"/> is <see cref="NmfMissingValues.Ignore"/> (Frobenius only, β = 2).
    /// </summary>
    /// <exception cref="ArgumentException">Ignore with β ≠ 2.</exception>
    public static NmfProjector CreateProjector(DenseMatrix components, double beta, Penalty penalty, NmfMissingValues missingValues,
        double tolerance = NmfFitOptions.Defaults.ProjectionTolerance, int maxIterations = NmfFitOptions.Defaults.ProjectionMaxIterations) =>
        CreateProjector(components, beta, penalty, missingValues, tolerance, maxIterations, NmfProjector.DefaultNewtonTolerance);

    /// <summary>
    /// A projector as above whose Kullback-Leibler coordinates stop their Newton steps at a relative step of
    /// <paramref name="newtonTolerance"/> (see <see cref="NmfProjector.NewtonTolerance"/>): a model saved before
    /// that rule existed passes its projection tolerance, which is what it used, and keeps its features bit for bit.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="newtonTolerance"/> is outside [0, 1], or as above.</exception>
    /// <exception cref="ArgumentException">The components hold NaN (a matrix built with <see cref="NmfMissingValues.Ignore"/>), or as above.</exception>
    public static NmfProjector CreateProjector(DenseMatrix components, double beta, Penalty penalty, NmfMissingValues missingValues,
        double tolerance, int maxIterations, double newtonTolerance) =>
        CreateProjector(components, beta, penalty, missingValues, tolerance, maxIterations, newtonTolerance, activeSetFinish: true);

    /// <summary>
    /// A projector as above that finishes a Frobenius row still moving after <paramref name="maxIterations"/> sweeps
    /// exactly when <paramref name="activeSetFinish"/> is true (see <see cref="NmfProjector.ActiveSetFinish"/>; what
    /// <see cref="Fit"/> does), or returns its last sweep when false: a model saved before that rule existed (format 4 and
    /// earlier) passes false and keeps its features bit for bit.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">As above.</exception>
    /// <exception cref="ArgumentException">As above.</exception>
    public static NmfProjector CreateProjector(DenseMatrix components, double beta, Penalty penalty, NmfMissingValues missingValues,
        double tolerance, int maxIterations, double newtonTolerance, bool activeSetFinish)
    {
        if (!(newtonTolerance >= 0 && newtonTolerance <= 1))
            throw new ArgumentOutOfRangeException(nameof(newtonTolerance), newtonTolerance, "The Newton step tolerance must be in [0, 1].");
        ArgumentNullException.ThrowIfNull(components);
        bool ignore = missingValues == NmfMissingValues.Ignore;
        if (ignore && beta != 2)
            throw new ArgumentException($"MissingValues = Ignore projects with the Frobenius loss (beta = 2) only, but beta is {beta}.", nameof(missingValues));
        int k = components.Rows, n = components.Columns;
        if (k > n)
            throw new ArgumentOutOfRangeException(nameof(components), k, Invariant($"The components have rank {k} above their {n} features."));
        if (!(beta >= NmfFitOptions.Limits.MinBeta && beta <= NmfFitOptions.Limits.MaxBeta))
            throw new ArgumentOutOfRangeException(nameof(beta), beta, Invariant($"Beta must be in [{NmfFitOptions.Limits.MinBeta}, {NmfFitOptions.Limits.MaxBeta}]."));
        if (!(penalty.L1 >= 0 && penalty.L1 <= NmfFitOptions.Limits.MaxPenalty && penalty.L2 >= 0 && penalty.L2 <= NmfFitOptions.Limits.MaxPenalty))
            throw new ArgumentOutOfRangeException(nameof(penalty), penalty, Invariant($"The penalties must be in [0, {NmfFitOptions.Limits.MaxPenalty:G6}]."));
        if (!(tolerance >= 0 && tolerance <= 1))
            throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "The tolerance must be in [0, 1].");
        if (maxIterations < 1 || maxIterations > NmfFitOptions.Limits.MaxProjectionIterations)
            throw new ArgumentOutOfRangeException(nameof(maxIterations), maxIterations, Invariant($"The sweep limit must be in [1, {NmfFitOptions.Limits.MaxProjectionIterations}]."));
        // A DenseMatrix built with NmfMissingValues.Ignore may hold NaN; components may not (it was reported as a squared
        // norm of NaN "above" the limit, with advice to scale the data).
        int bad = MatrixChecks.FirstNotFiniteNonNegative(components.Values);
        if (bad >= 0)
            throw new ArgumentException(Invariant($"The components hold NaN at component {bad / n}, feature {bad % n}; components must be finite and non-negative everywhere (they have no missing entries)."), nameof(components));
        var ht = Kernels.FactorOps.TransposeToFactor(components.Values, k, n);
        CheckComponents(ht, n, k, nameof(components));
        return new NmfProjector(ht, n, k, beta, penalty, tolerance, maxIterations, ignore, newtonTolerance, activeSetFinish);
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
