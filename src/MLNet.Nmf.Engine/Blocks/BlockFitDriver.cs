using System.Diagnostics;
using System.Globalization;
using MLNet.Nmf.Engine.Initialization;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Projection;
using MLNet.Nmf.Engine.Solvers;

namespace MLNet.Nmf.Engine.Blocks;

/// <summary>
/// The single-machine driver of the block step over row blocks held in memory: <see cref="NmfEngine.Fit"/>
/// (one block) and <see cref="NmfEngine.FitBlocks"/> (several). Exact alternating HALS: every iteration
/// updates every block's W_b, then Hᵀ from the statistics summed in block order.
/// </summary>
internal static class BlockFitDriver
{
    public static NmfResult Fit(IReadOnlyList<DataOperand> blocks, NmfFitOptions options)
    {
        var (totals, init) = Validate(blocks, options);
        int k = options.Rank, m = totals.Rows, n = totals.Columns;

        NmfEngine.ReclaimEarlierResults(m, n, k);
        var steps = new NmfBlockStep[blocks.Count];
        for (int b = 0; b < blocks.Count; b++)
            steps[b] = new NmfBlockStep(blocks[b]);
        NmfComponentState? components = null;
        try
        {
            return Run(blocks, steps, options, init, totals, c => components = c);
        }
        finally
        {
            // Work buffers and transposed copies go back to the pool, so a next fit allocates only its results.
            components?.ReleaseBuffers();
            foreach (var step in steps)
                step.ReleaseBuffers();
        }
    }

    /// <summary>Checks the blocks and options as <see cref="Fit"/> does before any work; returns the blocks' totals and the resolved start.</summary>
    private static (Totals Totals, NmfInitialization Init) Validate(IReadOnlyList<DataOperand> blocks, NmfFitOptions options)
    {
        var totals = SumUp(blocks);
        var init = ResolveInitialization(options, blocks.Count, totals.Rows, totals.Columns);
        OptionsValidator.Validate(options, totals.Rows, totals.Columns, totals.Sum, totals.MinValue, init);
        if (options.Solver != NmfSolver.CoordinateDescent)
            throw new ArgumentException($"Fitting by row blocks runs Solver CoordinateDescent (Frobenius) only, but Solver is {options.Solver}. Use NmfEngine.Fit on one matrix for {options.Solver}.", nameof(options.Solver));
        if (blocks.Count > 1 && init is not (NmfInitialization.Random or NmfInitialization.Custom))
            throw new ArgumentException($"Initialization {init} needs the whole matrix at once; with several row blocks use Random, Custom or Auto (which then means Random).", nameof(options.Initialization));
        return (totals, init);
    }

    /// <summary>Refuses what <see cref="Fit"/> would refuse, without fitting (for a caller that fits a rescaled copy).</summary>
    public static void Check(IReadOnlyList<DataOperand> blocks, NmfFitOptions options) => Validate(blocks, options);

    private static NmfResult Run(IReadOnlyList<DataOperand> blocks, NmfBlockStep[] steps, NmfFitOptions options, NmfInitialization init, Totals totals, Action<NmfComponentState> created)
    {
        int k = options.Rank, m = totals.Rows, n = totals.Columns;
        int degree = Math.Max(1, options.DegreeOfParallelism);
        var clock = Stopwatch.StartNew();
        var (features, ht) = Start(blocks, options, init, totals, degree);
        var components = new NmfComponentState(ht, n, m, totals.NonZeroCount, options);
        created(components);
        foreach (var block in blocks)
            _ = block.Transposed; // built once here so that the solver's time is the iterations' alone
        var initTime = clock.Elapsed;
        string split = blocks.Count > 1 ? Invariant($" in {blocks.Count} row blocks") : "";
        options.Log?.Invoke(Invariant($"NMF: {m} x {n} ({totals.StoredCount} stored){split}, rank {k}, {options.Solver}, {options.Loss}, init {init} in {initTime.TotalSeconds:F3} s."));
        clock.Restart();

        Iterate(steps, features, components, degree);

        var solverTime = clock.Elapsed;
        var history = components.LossHistory.ToArray();
        options.Log?.Invoke(Invariant($"NMF: {components.Iterations} iterations in {solverTime.TotalSeconds:F3} s, {(components.Converged ? "converged" : "stopped at MaxIterations without converging")}; objective {history[0]:G6} -> {history[^1]:G6}."));
        clock.Restart();
        var projector = new NmfProjector(ht, n, k, 2.0, components.PenaltyW, options.ProjectionTolerance, options.ProjectionMaxIterations);
        var evaluation = default(NmfBlockEvaluation);
        for (int b = 0; b < steps.Length; b++)
            evaluation = evaluation.Add(steps[b].Project(projector, features[b], components.PenaltyW, degree));
        double divergence = 0.5 * evaluation.SquaredError;
        double objective = divergence
            + components.PenaltyW.FromSums(evaluation.FeatureSum, evaluation.FeatureSquares)
            + components.PenaltyH.Evaluate(ht.AsSpan(0, n * k));
        double relativeError = totals.SquaredNorm > 0 ? Math.Sqrt(evaluation.SquaredError / totals.SquaredNorm) : 0;
        var projectionTime = clock.Elapsed;
        options.Log?.Invoke(Invariant($"NMF: features projected and evaluated in {projectionTime.TotalSeconds:F3} s; relative error {relativeError:F6}, divergence {divergence:G8}."));

        return new NmfResult(
            new DenseMatrix(m, k, Concatenate(features, blocks, k), validate: false), null,
            components.Iterations, components.Converged, history, relativeError, divergence, objective, projector,
            new NmfTimings(initTime, solverTime, projectionTime));
    }

    /// <summary>The iterations: every block's step in block order, then the components' update from the sum.</summary>
    private static void Iterate(NmfBlockStep[] steps, float[][] features, NmfComponentState components, int degree)
    {
        int k = components.Rank, n = components.Columns;
        var scratch = steps.Length == 1 ? NmfBlockStatistics.ForOneBlock(k, n) : NmfBlockStatistics.RentPooled(k, n);
        var total = steps.Length > 1 ? NmfBlockStatistics.RentPooled(k, n) : scratch;
        try
        {
            Iterate(steps, features, components, degree, scratch, total);
        }
        finally
        {
            scratch.ReturnToPool();
            if (total != scratch)
                total.ReturnToPool();
        }
    }

    private static void Iterate(NmfBlockStep[] steps, float[][] features, NmfComponentState components, int degree, NmfBlockStatistics scratch, NmfBlockStatistics total)
    {
        int k = components.Rank;
        components.Start(SumInOrder(steps, b => steps[b].Measure(features[b], k, components.PenaltyW, degree, scratch), scratch, total));
        while (!components.Finished)
        {
            var input = components.NextStep();
            components.Update(SumInOrder(steps, b => steps[b].Update(features[b], input, degree, scratch), scratch, total));
        }
    }

    /// <summary>Runs <paramref name="step"/> on every block and adds the results in block order (one block: its own statistics).</summary>
    private static NmfBlockStatistics SumInOrder(NmfBlockStep[] steps, Func<int, NmfBlockStatistics> step, NmfBlockStatistics scratch, NmfBlockStatistics total)
    {
        if (steps.Length == 1)
            return step(0);
        total.Clear();
        for (int b = 0; b < steps.Length; b++)
            total.Add(step(b));
        return total;
    }

    private static NmfInitialization ResolveInitialization(NmfFitOptions options, int blockCount, int m, int n) =>
        blockCount > 1 && options.Initialization == NmfInitialization.Auto
            ? NmfInitialization.Random
            : Initializer.Resolve(options.Initialization, options.Rank, m, n);

    private static (float[][] Features, float[] Ht) Start(IReadOnlyList<DataOperand> blocks, NmfFitOptions options, NmfInitialization init, Totals totals, int degree)
    {
        int k = options.Rank;
        if (blocks.Count == 1)
        {
            var (w, ht) = Initializer.Create(blocks[0], options, init, new SeededRandom((ulong)(uint)options.Seed), degree);
            return (new[] { w }, ht);
        }
        var features = new float[blocks.Count][];
        if (init == NmfInitialization.Custom)
        {
            var initialW = options.InitialW!.Values;
            int row = 0;
            for (int b = 0; b < blocks.Count; b++)
            {
                features[b] = Kernels.FactorLayout.Allocate(blocks[b].Rows, k);
                initialW.Slice(row * k, blocks[b].Rows * k).CopyTo(features[b]);
                row += blocks[b].Rows;
            }
            return (features, Kernels.FactorOps.TransposeToFactor(options.InitialH!.Values, k, totals.Columns));
        }
        double scale = NmfBlockStart.RandomScale(totals.Sum, totals.Rows, totals.Columns, k);
        long firstRow = 0;
        for (int b = 0; b < blocks.Count; b++)
        {
            features[b] = NmfBlockStart.RandomFeatures(options.Seed, k, totals.Columns, firstRow, blocks[b].Rows, scale);
            firstRow += blocks[b].Rows;
        }
        return (features, NmfBlockStart.RandomComponents(options.Seed, k, totals.Columns, scale));
    }

    private static float[] Concatenate(float[][] features, IReadOnlyList<DataOperand> blocks, int k)
    {
        if (features.Length == 1)
            return features[0]; // the padded factor itself (its padding lies past the matrix's values): no second m x k copy
        long total = 0;
        foreach (var block in blocks)
            total += (long)block.Rows * k;
        var w = new float[checked((int)total)];
        int at = 0;
        for (int b = 0; b < features.Length; b++)
        {
            int length = blocks[b].Rows * k;
            features[b].AsSpan(0, length).CopyTo(w.AsSpan(at));
            at += length;
        }
        return w;
    }

    private readonly record struct Totals(int Rows, int Columns, long StoredCount, long NonZeroCount, double Sum, double SquaredNorm, float MinValue);

    private static Totals SumUp(IReadOnlyList<DataOperand> blocks)
    {
        int n = blocks[0].Columns;
        int rows = 0;
        long stored = 0, nonZeros = 0;
        double sum = 0, squares = 0;
        float min = float.PositiveInfinity;
        for (int b = 0; b < blocks.Count; b++)
        {
            var block = blocks[b];
            if (block.Columns != n)
                throw new ArgumentException(Invariant($"Row block {b} has {block.Columns} columns but block 0 has {n}; every block must have the same columns."), "rowBlocks");
            rows = checked(rows + block.Rows);
            stored += block.StoredCount;
            nonZeros += block.NonZeroCount;
            sum += block.Sum;
            squares += block.SquaredNorm;
            min = Math.Min(min, block.MinValue);
        }
        return new Totals(rows, n, stored, nonZeros, sum, squares, min);
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
