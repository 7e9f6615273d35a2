using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Engine.Blocks;

/// <summary>Settings of a streamed fit (<see cref="NmfEngine.FitStreamed"/>) beyond the fit's own <see cref="NmfFitOptions"/>.</summary>
public sealed record NmfStreamingOptions
{
    /// <summary>The default value of every option, declared once.</summary>
    public static class Defaults
    {
        /// <summary>Default <see cref="MaxPasses"/>: one pass to count and check the rows, then at most 20 iterations.</summary>
        public const int MaxPasses = 21;
    }

    /// <summary>
    /// The most passes over the data (at least 2): the first counts the rows and sums what the start needs, each
    /// further pass is one iteration (also bounded by <see cref="NmfFitOptions.MaxIterations"/> and stopped by
    /// <see cref="NmfFitOptions.Tolerance"/>).
    /// </summary>
    public int MaxPasses { get; init; } = Defaults.MaxPasses;

    /// <summary>
    /// Warm start: the components H (k x n) to start from, e.g. a saved model's. Each block's features then
    /// start as its rows' projection onto them. Null: <see cref="NmfFitOptions.Initialization"/> (Random, or
    /// Auto meaning Random).
    /// </summary>
    public DenseMatrix? InitialComponents { get; init; }

    /// <summary>Where the features W live between passes (a temporary file, deleted when the fit ends); null for the system's temporary folder.</summary>
    public string? FeatureDirectory { get; init; }

    /// <summary>Called after each pass with (pass number from 1, rows read in it, objective after it or NaN for the first pass).</summary>
    public Action<int, long, double>? PassCompleted { get; init; }
}
