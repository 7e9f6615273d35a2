using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Engine;

/// <summary>
/// Settings of one factorization X (m x n) ≈ W (m x k) · H (k x n). <b>H holds the components</b>
/// (one row per component, one column per feature) and <b>W holds the per-row features</b>, as in
/// scikit-learn (<c>components_</c> = H, <c>fit_transform</c> = W); parts of the literature swap the names.
/// </summary>
/// <remarks>
/// The objective, with scikit-learn's scaling of the penalties by the number of features n and samples m:
/// <code>
/// d_β(X, WH) + α_W ρ n ‖W‖₁ + ½ α_W (1 − ρ) n ‖W‖²_F + α_H ρ m ‖H‖₁ + ½ α_H (1 − ρ) m ‖H‖²_F
/// </code>
/// where ρ is <see cref="L1Ratio"/> and d₂(X, Y) = ½‖X − Y‖²_F.
/// </remarks>
public sealed record NmfFitOptions
{
    /// <summary>The default value of every option, declared once.</summary>
    public static class Defaults
    {
        /// <summary>Default <see cref="Rank"/>.</summary>
        public const int Rank = 10;
        /// <summary>Default <see cref="MaxIterations"/>.</summary>
        public const int MaxIterations = 200;
        /// <summary>Default <see cref="Tolerance"/>.</summary>
        public const double Tolerance = 1e-4;
        /// <summary>Default <see cref="Seed"/>.</summary>
        public const int Seed = 0;
        /// <summary>Default <see cref="InnerIterations"/>: 0, chosen from the rank (see there).</summary>
        public const int InnerIterations = 0;
        /// <summary>Default <see cref="ProjectionTolerance"/>.</summary>
        public const double ProjectionTolerance = 1e-6;
        /// <summary>Default <see cref="ProjectionMaxIterations"/>.</summary>
        public const int ProjectionMaxIterations = 500;
        /// <summary>Default <see cref="ProgressInterval"/>: 5 seconds.</summary>
        public static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(5);
    }

    /// <summary>
    /// The bounds every option, and every saved model, is held to: values outside them are refused by
    /// <see cref="NmfEngine.Fit"/> (and by a model file's decoder), so that no setting can make the
    /// arithmetic overflow or a per-row projection run without end.
    /// </summary>
    public static class Limits
    {
        /// <summary>Smallest supported beta of the beta-divergence (<see cref="Beta"/>).</summary>
        public const double MinBeta = -2;
        /// <summary>Largest supported beta of the beta-divergence.</summary>
        public const double MaxBeta = 4;
        /// <summary>Largest <see cref="AlphaW"/> / <see cref="AlphaH"/>: far beyond any useful penalty (which zeroes every factor).</summary>
        public const double MaxAlpha = 1e10;
        /// <summary>Largest scaled penalty weight (alpha times a dimension, see <see cref="Solvers.Penalty.For"/>).</summary>
        public const double MaxPenalty = MaxAlpha * int.MaxValue;
        /// <summary>Largest <see cref="ProjectionMaxIterations"/>: bounds the work of projecting one row.</summary>
        public const int MaxProjectionIterations = 10_000;
        /// <summary>
        /// Largest Σ_j H[t, j]² of a component (2¹²⁰): keeps the k x k Gram matrix of the components, which the
        /// projection computes in float, finite. A fit's components stay far below it (the fit rescales extreme data).
        /// </summary>
        public const double MaxComponentSquaredNorm = 1.329227995784916e36;
    }

    /// <summary>Number of components k (at least 1, at most the number of features).</summary>
    public int Rank { get; init; } = Defaults.Rank;

    /// <summary>The algorithm.</summary>
    public NmfSolver Solver { get; init; } = NmfSolver.CoordinateDescent;

    /// <summary>The divergence minimized.</summary>
    public NmfLoss Loss { get; init; } = NmfLoss.Frobenius;

    /// <summary>The beta of the beta-divergence when <see cref="Loss"/> is <see cref="NmfLoss.Beta"/>.</summary>
    public double Beta { get; init; } = 2.0;

    /// <summary>How W and H start.</summary>
    public NmfInitialization Initialization { get; init; } = NmfInitialization.Auto;

    /// <summary>Maximum number of outer iterations (one update of W and one of H each).</summary>
    public int MaxIterations { get; init; } = Defaults.MaxIterations;

    /// <summary>
    /// Stopping tolerance, relative to the first iteration: the projected-gradient violation for the
    /// coordinate-descent solvers, the loss decrease over 10 iterations for multiplicative updates.
    /// 0 runs exactly <see cref="MaxIterations"/> iterations. Above 0, a start that is already stationary to float
    /// precision (e.g. data of exactly rank k started from its own factors) stops the coordinate-descent solvers after
    /// one iteration, converged, and the multiplicative updates at their first check (iteration 10, or 20 for β ≠ 2).
    /// </summary>
    public double Tolerance { get; init; } = Defaults.Tolerance;

    /// <summary>
    /// At most this many coordinate sweeps per factor update of <see cref="NmfSolver.CoordinateDescent"/>, all reusing one
    /// product with X (accelerated HALS; Gillis &amp; Glineur 2012). 1 is scikit-learn's <c>cd</c>; more
    /// sweeps cost little next to the product and reach a lower loss in fewer iterations. 0 (the
    /// default) follows Gillis &amp; Glineur: at most 1 + ρ sweeps (50 at most), where ρ = 1 + (non-zeros of X + k·other
    /// dimension) / (k·rows + rows) is what a product costs in sweeps, and a block of rows stops early
    /// once a sweep moves it by at most 10 % of what its first sweep did (their δ = 0.1).
    /// </summary>
    public int InnerIterations { get; init; } = Defaults.InnerIterations;

    /// <summary>Regularization strength on W (scikit-learn's <c>alpha_W</c>), &gt;= 0.</summary>
    public double AlphaW { get; init; }

    /// <summary>Regularization strength on H (<c>alpha_H</c>); null means the same as <see cref="AlphaW"/>.</summary>
    public double? AlphaH { get; init; }

    /// <summary>Share of L1 in the penalties, in [0, 1] (<c>l1_ratio</c>).</summary>
    public double L1Ratio { get; init; }

    /// <summary>Seed of every random choice (random and NNDSVD initialisation, shuffled order).</summary>
    public int Seed { get; init; } = Defaults.Seed;

    /// <summary>Visit the coordinates of the CD solvers in a seeded random order each update instead of cyclically.</summary>
    public bool Shuffle { get; init; }

    /// <summary>Threads used; the result does not depend on it. Default: the processor count.</summary>
    public int DegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Starting W (m x k) when <see cref="Initialization"/> is <see cref="NmfInitialization.Custom"/>.</summary>
    /// <remarks>
    /// The start is fitted in float: its largest values (of W, of H, and their product) must lie within 2^±48 (about
    /// 2.8e14) of 1, measured after the data's own rescaling (none for data whose largest value is in [2⁻²⁰, 2⁴⁰]); a
    /// start whose W·H is of the data's magnitude always is. Another is refused naming InitialW or InitialH. With any other
    /// <see cref="Initialization"/> a given InitialW or InitialH is refused (naming Initialization) rather than ignored.
    /// </remarks>
    public DenseMatrix? InitialW { get; init; }

    /// <summary>Starting H (k x n) when <see cref="Initialization"/> is <see cref="NmfInitialization.Custom"/>; see <see cref="InitialW"/> for the magnitudes accepted.</summary>
    public DenseMatrix? InitialH { get; init; }

    /// <summary>Relative tolerance of the per-row projection (Transform, and the final W of Fit).</summary>
    /// <remarks>
    /// A row's sweeps stop at the first one that changes its features by at most this much relative to their size
    /// (Σ_t |Δw_t| ≤ tol · Σ_t w_t): it bounds the last step, not the distance to the row's exact minimizer, which is
    /// larger where the sweeps converge slowly. Frobenius: a row that has not met it after
    /// <see cref="ProjectionMaxIterations"/> sweeps is solved exactly from there (see <see cref="ProjectionMaxIterations"/>).
    /// </remarks>
    public double ProjectionTolerance { get; init; } = Defaults.ProjectionTolerance;

    /// <summary>Maximum sweeps of the per-row projection.</summary>
    /// <remarks>
    /// Frobenius: a row still moving after them (near-collinear components, e.g. a rank close to the number of features)
    /// is finished by an exact active-set solve in double (Lawson–Hanson), so its features are its exact minimizer
    /// rounded to float; rows that met <see cref="ProjectionTolerance"/> first keep the sweeps' features. Other losses: such a
    /// row returns its last sweep's features. (Models saved before model format 5 return the last sweep for Frobenius too.)
    /// </remarks>
    public int ProjectionMaxIterations { get; init; } = Defaults.ProjectionMaxIterations;

    /// <summary>
    /// What a NaN in X means: <see cref="NmfMissingValues.Error"/> (the default) refuses it;
    /// <see cref="NmfMissingValues.Ignore"/> treats it as a missing entry, left out of the objective (the matrix must
    /// then be built with <see cref="NmfMissingValues.Ignore"/> too). Ignore needs <see cref="NmfSolver.CoordinateDescent"/>.
    /// </summary>
    public NmfMissingValues MissingValues { get; init; } = NmfMissingValues.Error;

    /// <summary>Set by <see cref="NmfEngine.Fit"/> on the options of a rescaled problem (see <see cref="DataScale"/>).</summary>
    internal DataScale Scale { get; init; }

    /// <summary>Receives progress and outcome messages (initialisation, iterations, convergence); null for none.
    /// Progress lines come after the first iteration and then every <see cref="ProgressInterval"/>.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Called once per outer iteration with where the fit stands, in every fit mode; null for none. It may throw to
    /// stop the fit (the exception propagates out of <see cref="NmfEngine.Fit"/>); keep it cheap.</summary>
    public Action<NmfProgress>? Progress { get; init; }

    /// <summary>Checked once per outer iteration; when signalled the fit stops with <see cref="OperationCanceledException"/>.</summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>Least time between two progress lines on <see cref="Log"/> (after the first iteration's line). Default 5 s.</summary>
    public TimeSpan ProgressInterval { get; init; } = Defaults.ProgressInterval;

    /// <summary>
    /// Checks every option that does not depend on the data, as <see cref="NmfEngine.Fit"/> does first;
    /// an estimator calls it when it is built so that a bad option is reported before any data is read.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    /// <exception cref="ArgumentException">The solver does not minimize the chosen loss.</exception>
    public void Validate() => OptionsValidator.ValidateOptions(this);

    /// <summary>The most sweeps per update of a factor with <paramref name="rows"/> rows, the other having <paramref name="otherRows"/>
    /// (it counts non-zeros, so dense and CSR forms of the same data get the same sweeps).</summary>
    public int InnerIterationsFor(long nonZeros, int rows, int otherRows)
    {
        if (InnerIterations > 0)
            return InnerIterations;
        double rho = 1 + (nonZeros + (double)Rank * otherRows) / ((double)Rank * rows + rows);
        return (int)Math.Clamp(Math.Floor(1 + rho), 1, 50);
    }

    /// <summary>The beta of the divergence: 2, 1, 0, or <see cref="Beta"/>.</summary>
    public double EffectiveBeta => Loss switch
    {
        NmfLoss.Frobenius => 2.0,
        NmfLoss.KullbackLeibler => 1.0,
        NmfLoss.ItakuraSaito => 0.0,
        _ => Beta,
    };
}
