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
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    /// <exception cref="ArgumentException">The options do not fit the data or each other (e.g. NNDSVD with rank &gt; min(m, n),
    /// a custom start of the wrong shape or all zeros, β ≤ 0 with zeros in X).</exception>
    public static NmfResult Fit(INmfMatrix x, NmfFitOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        options ??= new NmfFitOptions();
        var data = DataOperand.Create(x);
        if (options.Solver == NmfSolver.CoordinateDescent)
            return BlockFitDriver.Fit(new[] { data }, options); // the block step on one block
        var init = Initializer.Resolve(options.Initialization, options.Rank, data.Rows, data.Columns);
        OptionsValidator.Validate(options, data, init);

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
        float[] features = projector.ProjectAll(data, degree, into: state.W); // the solver's W is done with

        double squaredError = Divergence.SquaredError(data, features, ht, k, degree);
        double divergence = beta == 2 ? 0.5 * squaredError : Divergence.Beta(data, features, ht, k, beta, degree);
        double objective = divergence
            + state.PenaltyW.Evaluate(features.AsSpan(0, data.Rows * k))
            + state.PenaltyH.Evaluate(ht.AsSpan(0, data.Columns * k));
        double relativeError = data.SquaredNorm > 0 ? Math.Sqrt(squaredError / data.SquaredNorm) : 0;
        var projectionTime = clock.Elapsed;
        options.Log?.Invoke(Invariant($"NMF: features projected and evaluated in {projectionTime.TotalSeconds:F3} s; relative error {relativeError:F6}, divergence {divergence:G8}."));

        return new NmfResult(
            new DenseMatrix(data.Rows, k, features.AsSpan(0, data.Rows * k).ToArray(), validate: false),
            new DenseMatrix(k, data.Columns, projector.CopyComponents(), validate: false),
            outcome.Iterations, outcome.Converged, outcome.LossHistory, relativeError, divergence, objective, projector,
            new NmfTimings(initTime, solverTime, projectionTime));
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
    /// the sums are formed block by block. It never depends on the thread count.
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
        var blocks = new DataOperand[rowBlocks.Count];
        for (int b = 0; b < blocks.Length; b++)
            blocks[b] = DataOperand.Create(rowBlocks[b] ?? throw new ArgumentException($"Row block {b} is null.", nameof(rowBlocks)));
        return BlockFitDriver.Fit(blocks, options ?? new NmfFitOptions());
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
    public static NmfProjector CreateProjector(DenseMatrix components, double beta, Penalty penalty,
        double tolerance = NmfFitOptions.Defaults.ProjectionTolerance, int maxIterations = NmfFitOptions.Defaults.ProjectionMaxIterations)
    {
        ArgumentNullException.ThrowIfNull(components);
        int k = components.Rows, n = components.Columns;
        var ht = Kernels.FactorOps.TransposeToFactor(components.Values, k, n);
        return new NmfProjector(ht, n, k, beta, penalty, tolerance, maxIterations);
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
