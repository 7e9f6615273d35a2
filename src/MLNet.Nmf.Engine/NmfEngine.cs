using System.Diagnostics;
using System.Globalization;
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
    /// so the factors are finite; ordinary data is fitted exactly as without this.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range, Rank is above the number of features, or the fit
    /// would need more memory than the process may use; the message names the option (Rank and the bytes for the last two).</exception>
    /// <exception cref="ArgumentException">The options do not fit the data or each other (e.g. NNDSVD with rank &gt; min(m, n),
    /// a custom start of the wrong shape or all zeros, β ≤ 0 with zeros in X), or float cannot represent the factors of
    /// this data at all (the message says which).</exception>
    public static NmfResult Fit(INmfMatrix x, NmfFitOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        options ??= new NmfFitOptions();
        var data = DataOperand.Create(x);
        var init = Initializer.Resolve(options.Initialization, options.Rank, data.Rows, data.Columns);
        OptionsValidator.Validate(options, data, init);

        int k = options.Rank;
        int degree = Math.Max(1, options.DegreeOfParallelism);
        // Data beyond what float arithmetic carries is fitted scaled by an exact power of two; ordinary data as it is.
        var scale = DataScale.For(x, data.SquaredNorm);
        var fitData = scale.IsNone ? data : DataOperand.Create(scale.Apply(x));
        var fitOptions = scale.Apply(options);
        if (!scale.IsNone)
            options.Log?.Invoke(Invariant($"NMF: the data's values are outside the range float products carry exactly; fitting X / 2^{scale.Exponent} and scaling W by 2^{scale.WExponent}, H by 2^{scale.HExponent}."));
        options.Log?.Invoke(Invariant($"NMF: starting rank {k} on {data.Rows} x {data.Columns} ({data.StoredCount} stored); it will use about {FitBudget.EstimateBytes(options, data, init) / (1 << 20):F0} MiB of memory beyond the data{FitBudget.WorkNote(options, data)}."));
        var random = new SeededRandom((ulong)(uint)options.Seed);
        var clock = Stopwatch.StartNew();
        var (w, ht) = Initializer.Create(fitData, fitOptions, init, random, degree);
        var state = new FitState(fitData, w, ht, k, fitOptions);
        _ = fitData.Transposed; // built once here so that the solver's time is the iterations' alone
        var initTime = clock.Elapsed;
        options.Log?.Invoke(Invariant($"NMF: {data.Rows} x {data.Columns} ({data.StoredCount} stored), rank {k}, {options.Solver}, {options.Loss}, init {init} in {initTime.TotalSeconds:F3} s."));
        clock.Restart();

        SolverOutcome outcome = options.Solver switch
        {
            NmfSolver.CoordinateDescent => CoordinateDescentSolver.Run(state),
            NmfSolver.MultiplicativeUpdate => MultiplicativeUpdateSolver.Run(state),
            _ => CoordinateDescentKLSolver.Run(state),
        };
        double beta = options.EffectiveBeta;
        var history = outcome.LossHistory;
        if (!scale.IsNone)
        {
            double factor = scale.ObjectiveFactor(beta);
            history = history.Select(v => v * factor).ToArray();
        }

        var solverTime = clock.Elapsed;
        options.Log?.Invoke(Invariant($"NMF: {outcome.Iterations} iterations in {solverTime.TotalSeconds:F3} s, {(outcome.Converged ? "converged" : "stopped at MaxIterations without converging")}; objective {history[0]:G6} -> {history[^1]:G6}."));
        clock.Restart();
        var (penaltyW, penaltyH) = Penalty.For(options, data.Rows, data.Columns);
        var components = scale.IsNone ? ht : Unscale(ht, scale.HExponent, k, x, "H");
        CheckComponents(components, data.Columns, k, nameof(x));
        var projector = new NmfProjector(components, data.Columns, k, beta, penaltyW, options.ProjectionTolerance, options.ProjectionMaxIterations);
        float[] features = ProjectTraining(projector, data, degree, into: state.W); // the solver's W is done with

        // The figures are computed on the scaled problem, where float holds every product, and scaled back.
        var (evaluated, evaluatedFeatures) = scale.IsNone ? (data, features) : (fitData, DataScale.Scale(features, -scale.WExponent));
        double squaredError = Divergence.SquaredError(evaluated, evaluatedFeatures, ht, k, degree);
        double divergence = beta == 2 ? 0.5 * squaredError : Divergence.Beta(evaluated, evaluatedFeatures, ht, k, beta, degree);
        double relativeError = evaluated.SquaredNorm > 0 ? Math.Sqrt(squaredError / evaluated.SquaredNorm) : 0;
        if (!scale.IsNone)
            divergence *= scale.ObjectiveFactor(beta);
        double objective = divergence
            + penaltyW.Evaluate(features.AsSpan(0, data.Rows * k))
            + penaltyH.Evaluate(components.AsSpan(0, data.Columns * k));
        var projectionTime = clock.Elapsed;
        options.Log?.Invoke(Invariant($"NMF: features projected and evaluated in {projectionTime.TotalSeconds:F3} s; relative error {relativeError:F6}, divergence {divergence:G8}."));

        return new NmfResult(
            new DenseMatrix(data.Rows, k, features.AsSpan(0, data.Rows * k).ToArray(), validate: false),
            new DenseMatrix(k, data.Columns, projector.CopyComponents(), validate: false),
            outcome.Iterations, outcome.Converged, history, relativeError, divergence, objective, projector,
            new NmfTimings(initTime, solverTime, projectionTime));
    }

    /// <summary>The fit's own rows projected, a row whose features overflow float named.</summary>
    private static float[] ProjectTraining(NmfProjector projector, DataOperand data, int degree, float[] into)
    {
        try
        {
            return projector.ProjectAll(data, degree, into);
        }
        catch (OverflowException e)
        {
            throw new ArgumentException("Projecting the training rows failed: " + e.Message, "x", e);
        }
    }

    /// <summary>2^shift · a factor; refuses (naming the data's largest value) if float cannot hold the result.</summary>
    private static float[] Unscale(float[] factor, int shift, int k, INmfMatrix x, string name)
    {
        var result = DataScale.Scale(factor, shift);
        foreach (float v in result)
            if (!float.IsFinite(v))
                throw new ArgumentException(Invariant($"NMF cannot represent the factor {name} of this data in float (rank {k}; the data's values span a range float cannot factorize). Scale the data towards 1 before factorizing."), nameof(x));
        return result;
    }

    /// <summary>Refuses components whose Gram matrix float cannot hold (see <see cref="NmfFitOptions.Limits.MaxComponentSquaredNorm"/>).</summary>
    private static void CheckComponents(float[] ht, int n, int k, string paramName)
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
        double tolerance = NmfFitOptions.Defaults.ProjectionTolerance, int maxIterations = NmfFitOptions.Defaults.ProjectionMaxIterations)
    {
        ArgumentNullException.ThrowIfNull(components);
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
        var ht = Kernels.FactorOps.TransposeToFactor(components.Values, k, n);
        CheckComponents(ht, n, k, nameof(components));
        return new NmfProjector(ht, n, k, beta, penalty, tolerance, maxIterations);
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
