using System.Diagnostics;
using System.Globalization;
using MLNet.Nmf.Engine.Kernels;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Parallelism;
using MLNet.Nmf.Engine.Solvers;

namespace MLNet.Nmf.Engine.Blocks;

/// <summary>
/// The components' side of a block-wise fit (<see cref="NmfSolver.CoordinateDescent"/>, Frobenius): it owns Hᵀ,
/// hands each iteration's <see cref="NmfBlockStepInput"/> to the block steps, and updates Hᵀ from their
/// statistics summed in block order, with the same HALS routine that updates W (the transposed problem).
/// It also keeps the objective history and applies the stopping rule (violation relative to the first
/// iteration's, as scikit-learn's <c>_fit_coordinate_descent</c>, and a start that is already stationary to float
/// precision converged: <see cref="StoppingRule"/>).
/// </summary>
/// <remarks>
/// One iteration: <see cref="NextStep"/>, then every block's <see cref="NmfBlockStep.Update"/>, then
/// <see cref="Update"/> with the sum. The coordinate orders are drawn from the seed in that sequence
/// (W's order, then H's), so any driver that follows it reproduces the same components bit for bit.
/// </remarks>
public sealed class NmfComponentState
{
    private readonly NmfFitOptions _options;
    private readonly SeededRandom _random;
    private readonly List<double> _history;
    private readonly System.Collections.ObjectModel.ReadOnlyCollection<double> _historyView;
    private readonly BlockPartition _blocks;
    private float[] _crossProduct;
    private readonly int _degree;
    private readonly FitProgress _progress;
    private double _firstViolation;
    private readonly float[] _gramFloat; // HALS's float Gram matrix of W, rewritten every update

    /// <summary>Starts from the given components.</summary>
    /// <param name="componentsTransposed">Hᵀ: n x k row-major plus at least 8 spare floats; kept and updated in place.</param>
    /// <param name="columns">n, the number of features.</param>
    /// <param name="rows">m, the number of rows of X (all blocks together): it scales H's penalties.</param>
    /// <param name="nonZeroCount">Non-zero values of X (all blocks together): it chooses the number of sweeps.</param>
    /// <param name="options">The fit's settings (rank, penalties, seed, shuffle, inner iterations, tolerance, threads).</param>
    /// <exception cref="ArgumentException">Hᵀ is too short for n and the rank.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1.</exception>
    public NmfComponentState(float[] componentsTransposed, int columns, int rows, long nonZeroCount, NmfFitOptions options)
    {
        ArgumentNullException.ThrowIfNull(componentsTransposed);
        ArgumentNullException.ThrowIfNull(options);
        if (columns < 1)
            throw new ArgumentOutOfRangeException(nameof(columns), columns, "columns must be at least 1.");
        if (rows < 1)
            throw new ArgumentOutOfRangeException(nameof(rows), rows, "rows must be at least 1.");
        if (options.Rank < 1)
            throw new ArgumentOutOfRangeException(nameof(options.Rank), options.Rank, "Rank must be at least 1.");
        options.Validate(); // penalties, tolerance, threads...: a NaN penalty would otherwise reach every sweep
        int k = options.Rank;
        if (componentsTransposed.Length < (long)columns * k + FactorLayout.Padding)
            throw new ArgumentException(Invariant($"componentsTransposed must hold n*k + 8 = {(long)columns * k + FactorLayout.Padding} floats but holds {componentsTransposed.Length}."), nameof(componentsTransposed));
        CheckComponents(componentsTransposed, columns, k);
        _options = options;
        Rank = k;
        Columns = columns;
        Rows = rows;
        ComponentsTransposed = componentsTransposed;
        (PenaltyW, PenaltyH) = Penalty.For(options, rows, columns);
        _degree = Math.Max(1, options.DegreeOfParallelism);
        _random = new SeededRandom((ulong)(uint)options.Seed ^ 0x5DEECE66DUL);
        _blocks = BlockPartition.Even(columns, 256);
        _history = ObjectiveHistory.Create(options.MaxIterations);
        _historyView = _history.AsReadOnly();
        _crossProduct = Array.Empty<float>(); // rented on first use (see Narrow, ReleaseBuffers)
        _gramFloat = new float[checked(k * k + FactorLayout.Padding)];
        WSweeps = options.InnerIterationsFor(nonZeroCount, rows, columns);
        HSweeps = options.InnerIterationsFor(nonZeroCount, columns, rows);
        ComponentsGram = FactorOps.Gram(componentsTransposed, columns, k, _degree);
        _progress = new FitProgress(options);
    }

    /// <summary>
    /// Hᵀ's n·k values must be finite and non-negative: a NaN, infinite or negative start would be fitted into NaN or
    /// negative factors. (All zeros are allowed here: a checkpoint of a fit whose penalties zeroed H resumes as it was;
    /// the drivers refuse an all-zero start.)
    /// </summary>
    private static void CheckComponents(float[] componentsTransposed, int columns, int k)
    {
        var values = componentsTransposed.AsSpan(0, checked(columns * k));
        int bad = MatrixChecks.FirstInvalid(values);
        if (bad >= 0)
            throw new ArgumentException(Invariant($"componentsTransposed holds {values[bad]} at feature {bad / k}, component {bad % k}; the components must be finite and non-negative."), nameof(componentsTransposed));
    }

    /// <summary>k.</summary>
    public int Rank { get; }

    /// <summary>n, the number of features.</summary>
    public int Columns { get; }

    /// <summary>m, the rows of X.</summary>
    public int Rows { get; }

    /// <summary>Hᵀ (n x k row-major plus 8 spare floats), updated in place by <see cref="Update"/>.</summary>
    public float[] ComponentsTransposed { get; }

    /// <summary>HHᵀ of the current components, k x k row-major, in double; rewritten in place by <see cref="Update"/>, as <see cref="ComponentsTransposed"/> is.</summary>
    public double[] ComponentsGram { get; }

    /// <summary>The scaled penalties on W.</summary>
    public Penalty PenaltyW { get; }

    /// <summary>The scaled penalties on H.</summary>
    public Penalty PenaltyH { get; }

    /// <summary>The most sweeps of a W update.</summary>
    public int WSweeps { get; }

    /// <summary>The most sweeps of an H update.</summary>
    public int HSweeps { get; }

    /// <summary>Iterations completed.</summary>
    public int Iterations { get; private set; }

    /// <summary>True once the stopping rule has been met.</summary>
    public bool Converged { get; private set; }

    /// <summary>True when no further iteration should run: converged, or <see cref="NmfFitOptions.MaxIterations"/> reached.</summary>
    public bool Finished => Converged || Iterations >= _options.MaxIterations;

    /// <summary>‖X − WH‖²_F of the last objective computed (the blocks' W and the current H), from the trace identity.</summary>
    public double SquaredError { get; private set; }

    /// <summary>‖X‖²_F as the last statistics summed it.</summary>
    public double DataSquaredNorm { get; private set; }

    /// <summary>
    /// The objective at the start (<see cref="Start"/>) and after each iteration: a read-only view of the state's own list,
    /// which a cast cannot reach (adding to it broke the invariant of one value per iteration plus the start).
    /// </summary>
    public IReadOnlyList<double> LossHistory => _historyView;

    /// <summary>Records the starting objective from the blocks' <see cref="NmfBlockStep.Measure"/> statistics summed in block order.</summary>
    public void Start(NmfBlockStatistics measured)
    {
        Check(measured);
        if (_history.Count > 0)
            throw new InvalidOperationException("Start was already called.");
        _history.Add(Objective(measured, Narrow(measured)));
    }

    /// <summary>The input of this iteration's block steps (draws the W coordinate order).</summary>
    public NmfBlockStepInput NextStep() =>
        new(Rank, Columns, ComponentsTransposed, ComponentsGram, PenaltyW, Order(), WSweeps);

    /// <summary>
    /// Updates Hᵀ from the statistics of every block (summed in block order), records the objective and
    /// applies the stopping rule. Returns <see cref="Finished"/>. Reports progress
    /// (<see cref="NmfFitOptions.Progress"/>, <see cref="NmfFitOptions.Log"/>) and checks
    /// <see cref="NmfFitOptions.CancellationToken"/> once per call.
    /// </summary>
    /// <exception cref="InvalidOperationException"><see cref="Start"/> was not called.</exception>
    /// <exception cref="OperationCanceledException">The fit was cancelled (the token, or the progress callback threw it).</exception>
    public bool Update(NmfBlockStatistics total) => Apply(total, report: true);

    /// <summary>
    /// <see cref="Update"/> without its progress report and cancellation check: the streamed driver reports with
    /// <see cref="ReportProgress"/> once the pass is committed, so that a cancellation seen after a pass's last block
    /// loses no finished pass.
    /// </summary>
    internal bool UpdateUnreported(NmfBlockStatistics total) => Apply(total, report: false);

    private bool Apply(NmfBlockStatistics total, bool report)
    {
        Check(total);
        if (_history.Count == 0)
            throw new InvalidOperationException("Call Start with the starting statistics before the first Update.");
        int k = Rank;
        float[] product = Narrow(total);
        long start = Stopwatch.GetTimestamp();
        // The rounding noise of the first violation, from H before its update (what the W side's gradient used).
        double noise = Iterations == 0
            ? StoppingRule.FrobeniusNoise(Rows, Columns, k, total.DataSquaredNorm, Trace(total.Gram, k), Trace(ComponentsGram, k))
            : 0;
        float[] gram = FactorOps.ToFloat(total.Gram, k, PenaltyH.L2, _gramFloat);
        double violation = total.Violation + CoordinateDescentSolver.UpdateFactor(ComponentsTransposed, product, gram, (float)PenaltyH.L1, k, Order(), _blocks, _degree, HSweeps, "row-sweeps H");
        StageClock.Add("HALS sweeps H", start);
        Iterations++;

        start = Stopwatch.GetTimestamp();
        FactorOps.Gram(ComponentsTransposed, Columns, k, _degree, ComponentsGram); // in place, as Hᵀ: no garbage per iteration
        StageClock.Add("Gram matrices", start);
        start = Stopwatch.GetTimestamp();
        _history.Add(Objective(total, product));
        StageClock.Add("objective", start);
        if (Iterations == 1)
            _firstViolation = violation;
        if (StoppingRule.Converged(Iterations, violation, _firstViolation, _options.Tolerance, noise))
            Converged = true;
        // The one progress and cancellation hook of every block-wise fit, last: a cancellation leaves a complete iteration.
        if (report)
            ReportProgress();
        return Finished;
    }

    /// <summary>
    /// Reports the last iteration (<see cref="NmfFitOptions.Progress"/>, <see cref="NmfFitOptions.Log"/>) and checks
    /// <see cref="NmfFitOptions.CancellationToken"/>, as <see cref="Update"/> does after each iteration.
    /// </summary>
    /// <exception cref="OperationCanceledException">The fit was cancelled (the token, or the progress callback threw it).</exception>
    internal void ReportProgress() => _progress.Report(Iterations, _history);

    /// <summary>Restores the last monitor's ‖X − WH‖²_F and ‖X‖²_F of a finished fit that is returned from its finished record.</summary>
    public void RestoreMonitor(double squaredError, double dataSquaredNorm)
    {
        SquaredError = squaredError;
        DataSquaredNorm = dataSquaredNorm;
    }

    /// <summary>What, besides <see cref="ComponentsTransposed"/>, resumes this state (<see cref="Resume"/>).</summary>
    public NmfComponentCheckpoint Checkpoint() => new(Iterations, _firstViolation, Converged, _history.ToArray());

    /// <summary>
    /// The state of a fit resumed after <paramref name="checkpoint"/>.Iterations iterations, from the Hᵀ and checkpoint
    /// stored then (with the same data sizes and options): it continues exactly as the original would have, the
    /// coordinate orders drawn so far included.
    /// </summary>
    /// <exception cref="ArgumentException">The checkpoint is inconsistent (history length, negative iterations) or damaged (a
    /// NaN, infinite or negative first violation, a NaN or infinite objective).</exception>
    public static NmfComponentState Resume(float[] componentsTransposed, int columns, int rows, long nonZeroCount, NmfFitOptions options,
        NmfComponentCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(checkpoint.LossHistory);
        if (checkpoint.Iterations < 0 || checkpoint.LossHistory.Length != checkpoint.Iterations + 1)
            throw new ArgumentException(Invariant($"The checkpoint records {checkpoint.Iterations} iterations and {checkpoint.LossHistory.Length} objective values; expected iterations + 1 values."), nameof(checkpoint));
        // A NaN reference violation never meets the stopping rule (the fit silently runs to MaxIterations), a NaN objective
        // is reported as the fit's: a damaged checkpoint is refused, named, instead.
        if (!(checkpoint.FirstViolation >= 0 && double.IsFinite(checkpoint.FirstViolation)))
            throw new ArgumentException(Invariant($"The checkpoint's FirstViolation is {checkpoint.FirstViolation}; it must be a finite number >= 0 (is the checkpoint damaged?)."), nameof(checkpoint));
        for (int i = 0; i < checkpoint.LossHistory.Length; i++)
            if (!double.IsFinite(checkpoint.LossHistory[i]))
                throw new ArgumentException(Invariant($"The checkpoint's LossHistory holds {checkpoint.LossHistory[i]} at {i}; objectives must be finite (is the checkpoint damaged?)."), nameof(checkpoint));
        var state = new NmfComponentState(componentsTransposed, columns, rows, nonZeroCount, options);
        state._history.AddRange(checkpoint.LossHistory);
        state.Iterations = checkpoint.Iterations;
        state._firstViolation = checkpoint.FirstViolation;
        state.Converged = checkpoint.Converged;
        for (int i = 0; i < 2 * checkpoint.Iterations; i++)
            state.Order(); // each iteration drew W's order, then H's
        return state;
    }

    /// <summary>
    /// ½‖X − WH‖²_F plus penalties through the trace identity ‖X − WH‖² = ‖X‖² − 2 tr(Wᵀ X Hᵀ) + tr(WᵀW · HHᵀ),
    /// from the statistics of W and the current Hᵀ; the monitor of each iteration.
    /// </summary>
    private double Objective(NmfBlockStatistics stats, float[] xtW)
    {
        double cross = FactorOps.ElementwiseDot(xtW, ComponentsTransposed, Columns * Rank);
        double squared = stats.DataSquaredNorm - 2 * cross + FactorOps.FrobeniusInner(stats.Gram, ComponentsGram);
        SquaredError = Math.Max(squared, 0);
        DataSquaredNorm = stats.DataSquaredNorm;
        double penalties = PenaltyW.FromSums(stats.FeatureSum, stats.FeatureSquares)
            + PenaltyH.Evaluate(ComponentsTransposed.AsSpan(0, Columns * Rank));
        return 0.5 * Math.Max(squared, 0) + penalties;
    }

    private static double Trace(double[] gram, int k)
    {
        double trace = 0;
        for (int t = 0; t < k; t++)
            trace += gram[t * k + t];
        return trace;
    }

    private float[] Narrow(NmfBlockStatistics stats)
    {
        if (stats.FloatCrossProduct is { } single)
            return single; // one block: its float product, which widening and rounding back would reproduce exactly
        if (_crossProduct.Length == 0)
            _crossProduct = FactorLayout.Rent(Columns, Rank);
        FactorOps.Narrow(stats.CrossProduct, _crossProduct);
        return _crossProduct;
    }

    /// <summary>Gives the work buffer back to the pool (it is rented again if the state is updated further).</summary>
    internal void ReleaseBuffers()
    {
        Memory.BufferPool.Return(_crossProduct);
        _crossProduct = Array.Empty<float>();
    }

    private int[] Order()
    {
        var order = Enumerable.Range(0, Rank).ToArray();
        if (_options.Shuffle)
            _random.Shuffle(order);
        return order;
    }

    private void Check(NmfBlockStatistics stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        if (stats.Rank != Rank || stats.Columns != Columns)
            throw new ArgumentException(Invariant($"The statistics have rank {stats.Rank} and {stats.Columns} features; the components have rank {Rank} and {Columns}."), nameof(stats));
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
