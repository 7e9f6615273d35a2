using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Blocks;

namespace MLNet.Nmf;

/// <summary>
/// Settings of <see cref="NmfEstimator"/>. The factorization is X (rows x features) ≈ W · H where
/// <b>H (rank x features) holds the learned components</b> and <b>W holds each row's features</b>,
/// the non-negative vector the transformer appends (scikit-learn's convention).
/// </summary>
/// <remarks>
/// Objective (scikit-learn's scaling of the penalties by the number of features n and rows m):
/// <code>
/// d_β(X, WH) + α_W ρ n ‖W‖₁ + ½ α_W (1 − ρ) n ‖W‖²_F + α_H ρ m ‖H‖₁ + ½ α_H (1 − ρ) m ‖H‖²_F
/// </code>
/// with ρ = <see cref="L1Ratio"/> and d₂(X, Y) = ½‖X − Y‖²_F.
/// </remarks>
public sealed class NmfOptions
{
    /// <summary>The defaults, declared once (the engine's).</summary>
    public static class Defaults
    {
        /// <summary>Default <see cref="Rank"/>.</summary>
        public const int Rank = NmfFitOptions.Defaults.Rank;
        /// <summary>Default <see cref="MaximumIterations"/>.</summary>
        public const int MaximumIterations = NmfFitOptions.Defaults.MaxIterations;
        /// <summary>Default <see cref="Tolerance"/>.</summary>
        public const double Tolerance = NmfFitOptions.Defaults.Tolerance;
        /// <summary>Default <see cref="InnerIterations"/>.</summary>
        public const int InnerIterations = NmfFitOptions.Defaults.InnerIterations;
        /// <summary>Default <see cref="BlockSize"/>.</summary>
        public const int BlockSize = 8192;
        /// <summary>Default <see cref="MaximumPasses"/>.</summary>
        public const int MaximumPasses = NmfStreamingOptions.Defaults.MaxPasses;
    }

    /// <summary>Name of the appended column (known-size vector of Single, length <see cref="Rank"/>).</summary>
    public string OutputColumnName { get; set; } = "";

    /// <summary>Name of the input column (known-size vector of Single, non-negative); null means <see cref="OutputColumnName"/>.</summary>
    public string? InputColumnName { get; set; }

    /// <summary>Number of components k.</summary>
    public int Rank { get; set; } = Defaults.Rank;

    /// <summary>The algorithm.</summary>
    public NmfSolver Solver { get; set; } = NmfSolver.CoordinateDescent;

    /// <summary>The divergence minimized.</summary>
    public NmfLoss Loss { get; set; } = NmfLoss.Frobenius;

    /// <summary>The beta when <see cref="Loss"/> is <see cref="NmfLoss.Beta"/>.</summary>
    public double Beta { get; set; } = 2.0;

    /// <summary>
    /// How W and H start. The SVD starts (<see cref="NmfInitialization.Nndsvd"/>, <see cref="NmfInitialization.Nndsvda"/>,
    /// <see cref="NmfInitialization.Nndsvdar"/>) need the whole matrix in memory: with them <see cref="NmfFitMode.Auto"/> never
    /// streams (data over its budget is refused as soon as reading crosses it) and <see cref="NmfFitMode.Streamed"/> is refused
    /// before reading. A streamed fit starts from <see cref="NmfInitialization.Random"/> (<see cref="NmfInitialization.Auto"/> means it there).
    /// </summary>
    public NmfInitialization Initialization { get; set; } = NmfInitialization.Auto;

    /// <summary>Maximum outer iterations.</summary>
    public int MaximumIterations { get; set; } = Defaults.MaximumIterations;

    /// <summary>Stopping tolerance relative to the first iteration (0 runs every iteration; above 0, a start already
    /// stationary to float precision stops after the first, see <see cref="NmfFitOptions.Tolerance"/>).</summary>
    public double Tolerance { get; set; } = Defaults.Tolerance;

    /// <summary>Coordinate sweeps per factor update for <see cref="NmfSolver.CoordinateDescent"/> (1 = scikit-learn's cd; 0 = chosen by rank).</summary>
    public int InnerIterations { get; set; } = Defaults.InnerIterations;

    /// <summary>Regularization strength on W (<c>alpha_W</c>).</summary>
    public double AlphaW { get; set; }

    /// <summary>Regularization strength on H (<c>alpha_H</c>); null = same as <see cref="AlphaW"/>.</summary>
    public double? AlphaH { get; set; }

    /// <summary>Share of L1 in the penalties, in [0, 1].</summary>
    public double L1Ratio { get; set; }

    /// <summary>Visit coordinates in a seeded random order.</summary>
    public bool Shuffle { get; set; }

    /// <summary>Seed; null uses the MLContext's seed (or 0 when it has none).</summary>
    public int? Seed { get; set; }

    /// <summary>Threads used; results do not depend on it. Null = processor count.</summary>
    public int? DegreeOfParallelism { get; set; }

    /// <summary>
    /// Names the output slots after the components' top terms: with 3, slot t of the output column is named like
    /// "game|games|multiplayer" (component t's three heaviest terms, see <see cref="NmfModelParameters.GetTopTerms"/>),
    /// when the input column has slot names (FeaturizeText's terms). 0 (the default) names them Component0, Component1, ...
    /// At most <see cref="MaxSlotNameTerms"/>. Saved with the model.
    /// </summary>
    public int SlotNameTerms { get; set; }

    /// <summary>The largest <see cref="SlotNameTerms"/>.</summary>
    public const int MaxSlotNameTerms = 100;

    /// <summary>
    /// What a NaN in the input means. <see cref="NmfMissingValues.Error"/> (the default) refuses it, naming the row
    /// and slot. <see cref="NmfMissingValues.Ignore"/>: a NaN is a missing entry, left out of the objective in Fit and
    /// in Transform (a row's features are fitted to its observed slots only), so the reconstruction w·H predicts it.
    /// In a sparse vector the implicit zeros are observed zeros; only explicit NaN values are missing. Needs
    /// <see cref="NmfSolver.CoordinateDescent"/>. The start (NNDSVD with <see cref="NmfInitialization.Auto"/>) is computed with the
    /// missing entries as zeros; only the start. A row with nothing observed gets zero features; a column with nothing
    /// observed gets zero in every component. The block-wise fits refuse it. Saved with the model.
    /// </summary>
    public NmfMissingValues MissingValues { get; set; } = NmfMissingValues.Error;

    /// <summary>
    /// In memory, streamed, or chosen by the data's size (<see cref="NmfFitMode.Auto"/>, the default: see there).
    /// A streamed fit needs <see cref="NmfSolver.CoordinateDescent"/> with the Frobenius loss and starts from Random
    /// (or from a model's components, with <see cref="NmfEstimator.Fit(Microsoft.ML.IDataView, NmfModelParameters)"/>): with an
    /// SVD <see cref="Initialization"/>, Auto fits in memory or refuses data over its budget (naming both options), and Streamed is refused.
    /// Rank selection (<c>NonNegativeMatrixFactorizationRankSelection</c>) reads the data into memory: with Auto within the same
    /// budget (data over it is refused), with InMemory whatever its size; it refuses Streamed.
    /// </summary>
    public NmfFitMode FitMode { get; set; } = NmfFitMode.Auto;

    /// <summary>Streamed fit: rows per block, the most rows held in memory at once (at least 1).</summary>
    public int BlockSize { get; set; } = Defaults.BlockSize;

    /// <summary>
    /// Streamed fit: the most passes over the data (at least 2). The first counts and checks the rows; each
    /// further pass is one iteration (also bounded by <see cref="MaximumIterations"/> and <see cref="Tolerance"/>).
    /// </summary>
    public int MaximumPasses { get; set; } = Defaults.MaximumPasses;

    /// <summary>
    /// Streamed fit: a directory where the fit keeps a checkpoint, so that a fault (an exception while reading the
    /// input, a cancelled fit, the process killed) loses no completed pass; null (the default) keeps none. Fitting the
    /// same pipeline again on the same data with the same options and this directory reads the data once to check it,
    /// then resumes after the last completed pass and ends with the components of an uninterrupted fit, bit for bit.
    /// Other data or other options are refused (delete the directory's <c>mlnet-nmf-stream.*</c> files, or use an
    /// empty directory, to start over). It costs disk for W twice (8 bytes x rows x <see cref="Rank"/>) plus the
    /// components; the files are deleted when <see cref="NmfEstimator.Fit(Microsoft.ML.IDataView)"/> finishes. With several
    /// column pairs, a column that finished keeps a finished record there until every column has finished, so that fitting
    /// again after a later column failed returns it after the counting pass instead of refitting it. Used when the column is streamed: refused with
    /// <see cref="NmfFitMode.InMemory"/> or a solver that cannot stream; with <see cref="NmfFitMode.Auto"/> an in-memory
    /// fit keeps no checkpoint (the log says so), and once it has succeeded it deletes the checkpoint files an earlier
    /// streamed attempt left there (<see cref="NmfEngine.DeleteCheckpoint"/>: the <c>mlnet-nmf-stream</c> manifest, W files
    /// and finished record by their exact names, nothing else in the directory; the log says so). Each column pair needs its own directory, and two fits may not share one
    /// at the same time (the second is refused naming the directory). Rank selection, which fits in memory, refuses it. See
    /// <see cref="NmfStreamingOptions.CheckpointDirectory"/>.
    /// </summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>
    /// The in-memory budget of <see cref="NmfFitMode.Auto"/> in bytes, in place of a quarter of the memory available to the
    /// GC; null (always, outside tests) for that quarter. Internal: lets a test cross the budget with small data.
    /// </summary>
    internal long? MemoryBudgetBytes { get; set; }

    internal NmfOptions Clone() => (NmfOptions)MemberwiseClone();

    internal NmfFitOptions ToEngine(int seed, Action<string>? log, Action<NmfProgress>? progress = null) => new()
    {
        Rank = Rank,
        Solver = Solver,
        Loss = Loss,
        Beta = Beta,
        Initialization = Initialization,
        MaxIterations = MaximumIterations,
        Tolerance = Tolerance,
        InnerIterations = InnerIterations,
        AlphaW = AlphaW,
        AlphaH = AlphaH,
        L1Ratio = L1Ratio,
        Shuffle = Shuffle,
        Seed = seed,
        DegreeOfParallelism = DegreeOfParallelism ?? Environment.ProcessorCount,
        MissingValues = MissingValues,
        Log = log,
        Progress = progress,
    };
}
