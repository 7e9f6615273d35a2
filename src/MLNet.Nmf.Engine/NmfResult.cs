using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Projection;

namespace MLNet.Nmf.Engine;

/// <summary>
/// The outcome of <see cref="NmfEngine.Fit"/>: X (m x n) ≈ W (m x k) · H (k x n), with H the components.
/// </summary>
public sealed class NmfResult
{
    private DenseMatrix? _h;

    internal NmfResult(DenseMatrix w, DenseMatrix? h, int iterations, bool converged, double[] lossHistory,
        double relativeError, double divergence, double objective, NmfProjector projector, NmfTimings timings)
    {
        W = w;
        _h = h; // null: copied from the projector on first use
        Iterations = iterations;
        Converged = converged;
        LossHistory = Array.AsReadOnly(lossHistory); // a view: the array cannot be reached through it, e.g. by a cast
        RelativeError = relativeError;
        Divergence = divergence;
        Objective = objective;
        Projector = projector;
        Timings = timings;
    }

    /// <summary>The per-row features W (m x k): each training row projected onto <see cref="H"/>.</summary>
    public DenseMatrix W { get; }

    /// <summary>The components H (k x n), like scikit-learn's <c>components_</c>.</summary>
    /// <remarks>Copied from the projector's components on first use, so a fit does not hold two copies of H at its peak.</remarks>
    public DenseMatrix H => LazyInitializer.EnsureInitialized(ref _h,
        () => new DenseMatrix(Projector.Rank, Projector.Features, Projector.CopyComponents(), validate: false));

    /// <summary>Outer iterations run (<c>n_iter_</c>).</summary>
    public int Iterations { get; }

    /// <summary>
    /// True when the tolerance stopped the fit (also when it was met at the last iteration allowed, so <see cref="Iterations"/>
    /// can equal <see cref="NmfFitOptions.MaxIterations"/>); false when MaxIterations ran out first, and always with a
    /// tolerance of 0. A start already stationary to float precision converges after one iteration (see <see cref="NmfFitOptions.Tolerance"/>).
    /// </summary>
    public bool Converged { get; }

    /// <summary>
    /// The objective (divergence plus penalties) at the start of each iteration, then after the last one, as the stopping
    /// rule read it: with a loss other than Frobenius, an almost exact fit can show values slightly below 0 from rounding.
    /// Read-only: it is not an array that a cast could reach and change.
    /// </summary>
    public IReadOnlyList<double> LossHistory { get; }

    /// <summary>‖X − WH‖_F / ‖X‖_F for the returned W and H, in double precision.</summary>
    public double RelativeError { get; }

    /// <summary>
    /// The beta-divergence d_β(X, WH) of the returned factors (½‖X − WH‖² for Frobenius); never negative: an exact fit,
    /// whose sum of terms of both signs can round slightly below 0, reports 0. (<see cref="LossHistory"/> is not clamped.)
    /// </summary>
    public double Divergence { get; }

    /// <summary>The final objective: <see cref="Divergence"/> plus the penalties (never negative).</summary>
    public double Objective { get; }

    /// <summary>Projects new rows onto <see cref="H"/> exactly as the fit computed <see cref="W"/>.</summary>
    public NmfProjector Projector { get; }

    /// <summary>Where the fit's time went.</summary>
    public NmfTimings Timings { get; }
}

/// <summary>Wall-clock time of the stages of a fit.</summary>
/// <param name="Initialization">Starting W and H (and building Xᵀ).</param>
/// <param name="Solver">The iterations.</param>
/// <param name="Projection">The final projection of the training rows and the error evaluation.</param>
public sealed record NmfTimings(TimeSpan Initialization, TimeSpan Solver, TimeSpan Projection);
