using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Projection;

namespace MLNet.Nmf.Engine.Blocks;

/// <summary>
/// The outcome of <see cref="NmfEngine.FitStreamed"/>: the components H (k x n) and the course of the fit.
/// The per-row features W are not kept (that is the point of streaming): project rows with <see cref="Projector"/>.
/// </summary>
public sealed class NmfStreamedResult
{
    internal NmfStreamedResult(DenseMatrix h, long rows, int iterations, bool converged, int passes, long rowsRead,
        double[] lossHistory, double relativeError, double divergence, NmfProjector projector, TimeSpan elapsed)
    {
        H = h;
        Rows = rows;
        Iterations = iterations;
        Converged = converged;
        Passes = passes;
        RowsRead = rowsRead;
        LossHistory = Array.AsReadOnly(lossHistory); // a view: the array cannot be reached through it, e.g. by a cast
        RelativeError = relativeError;
        Divergence = divergence;
        Projector = projector;
        Elapsed = elapsed;
    }

    /// <summary>The components H (k x n).</summary>
    public DenseMatrix H { get; }

    /// <summary>m, the rows of X.</summary>
    public long Rows { get; }

    /// <summary>Iterations run (one per pass after the first).</summary>
    public int Iterations { get; }

    /// <summary>True when the tolerance stopped the fit (also when it was met at the last iteration or pass allowed); false when
    /// MaxIterations or MaxPasses ran out first, and always with a tolerance of 0.</summary>
    public bool Converged { get; }

    /// <summary>Passes over the data, the first (counting) one included (a fit resumed from a checkpoint counts them as if it had not been interrupted).</summary>
    public int Passes { get; }

    /// <summary>Rows read over all passes (a resumed fit counts them as if it had not been interrupted; its repeated first pass is not counted).</summary>
    public long RowsRead { get; }

    /// <summary>The objective at the start and after each iteration (read-only: not an array that a cast could reach and change).</summary>
    public IReadOnlyList<double> LossHistory { get; }

    /// <summary>‖X − WH‖_F / ‖X‖_F with W as the last pass left it and the final H (the monitor; no extra pass is made).</summary>
    public double RelativeError { get; }

    /// <summary>½‖X − WH‖²_F for the same W and H.</summary>
    public double Divergence { get; }

    /// <summary>Projects rows onto <see cref="H"/>.</summary>
    public NmfProjector Projector { get; }

    /// <summary>Wall-clock time of the whole fit.</summary>
    public TimeSpan Elapsed { get; }
}
