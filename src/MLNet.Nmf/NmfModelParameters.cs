using System.Globalization;
using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Projection;
using MLNet.Nmf.Engine.Solvers;
using MLNet.Nmf.Topics;

namespace MLNet.Nmf;

/// <summary>
/// What an <see cref="NmfTransformer"/> learned, read-only: the components H (rank x features), the
/// fit's outcome, and the input's slot names when it had them (FeaturizeText's terms), which make the
/// components readable as topics.
/// </summary>
public sealed class NmfModelParameters
{
    private readonly float[] _components;
    private readonly System.Collections.ObjectModel.ReadOnlyCollection<double> _lossHistory;
    private readonly string[]? _slotNames;
    private readonly System.Collections.ObjectModel.ReadOnlyCollection<string>? _slotNamesView;

    internal NmfModelParameters(int rank, int featureCount, float[] components, NmfSolver solver, NmfLoss loss, double beta,
        Penalty penalty, double projectionTolerance, int projectionMaxIterations,
        int iterations, bool converged, double reconstructionError, double divergence, double[] lossHistory, string[]? slotNames,
        NmfMissingValues missingValues = NmfMissingValues.Error, double newtonTolerance = NmfProjector.DefaultNewtonTolerance,
        bool activeSetFinish = true)
    {
        Rank = rank;
        FeatureCount = featureCount;
        _components = components;
        Solver = solver;
        Loss = loss;
        Beta = beta;
        Penalty = penalty;
        ProjectionTolerance = projectionTolerance;
        ProjectionMaxIterations = projectionMaxIterations;
        Iterations = iterations;
        Converged = converged;
        ReconstructionError = reconstructionError;
        Divergence = divergence;
        // Read-only views, not the arrays: a caller's cast to double[] or string[] changed what the model reports and saves.
        _lossHistory = Array.AsReadOnly(lossHistory);
        _slotNames = slotNames;
        _slotNamesView = slotNames is null ? null : Array.AsReadOnly(slotNames);
        MissingValues = missingValues;
        NewtonTolerance = newtonTolerance;
        ActiveSetFinish = activeSetFinish;
        Projector = NmfEngine.CreateProjector(new DenseMatrix(rank, featureCount, components), beta, penalty, missingValues, projectionTolerance, projectionMaxIterations,
            newtonTolerance, activeSetFinish);
    }

    /// <summary>Number of components k (length of the output vector).</summary>
    public int Rank { get; }

    /// <summary>Number of input features n.</summary>
    public int FeatureCount { get; }

    /// <summary>The components H, k x n, row-major: component t is <c>Components.Slice(t * FeatureCount, FeatureCount)</c>.</summary>
    public ReadOnlyMemory<float> Components => _components;

    /// <summary>Component t (one row of H).</summary>
    public ReadOnlySpan<float> GetComponent(int component)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(component);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(component, Rank);
        return _components.AsSpan(component * FeatureCount, FeatureCount);
    }

    /// <summary>The solver that fitted the model.</summary>
    public NmfSolver Solver { get; }

    /// <summary>The divergence it minimized.</summary>
    public NmfLoss Loss { get; }

    /// <summary>The beta of that divergence (2 Frobenius, 1 KL, 0 Itakura-Saito).</summary>
    public double Beta { get; }

    /// <summary>Outer iterations run.</summary>
    public int Iterations { get; }

    /// <summary>True when the tolerance stopped the fit (also when it was met at the last iteration allowed); false when the
    /// iteration limit ran out first, and always with a tolerance of 0.</summary>
    public bool Converged { get; }

    /// <summary>‖X − WH‖_F / ‖X‖_F on the training data.</summary>
    public double ReconstructionError { get; }

    /// <summary>d_β(X, WH) on the training data; never negative for a model fitted by this version (an exact fit reports 0,
    /// not a rounding residue below it).</summary>
    public double Divergence { get; }

    /// <summary>The objective at the start and after each iteration.</summary>
    public IReadOnlyList<double> LossHistory => _lossHistory;

    /// <summary>
    /// What NaN in the input means to this model: with <see cref="NmfMissingValues.Ignore"/> a row's NaN slots are
    /// missing and its features are fitted to the observed slots; with <see cref="NmfMissingValues.Error"/> a NaN is refused.
    /// </summary>
    public NmfMissingValues MissingValues { get; }

    /// <summary>The input column's slot names (e.g. the terms of FeaturizeText), or null when it had none.</summary>
    public IReadOnlyList<string>? SlotNames => _slotNamesView;

    internal Penalty Penalty { get; }
    internal double ProjectionTolerance { get; }
    internal int ProjectionMaxIterations { get; }

    /// <summary>The projector's <see cref="NmfProjector.NewtonTolerance"/> (a model of format 1 or 2: its projection tolerance).</summary>
    internal double NewtonTolerance { get; }

    /// <summary>
    /// The projection rule stored from format 5: true finishes a Frobenius row still moving at the sweep limit exactly
    /// (<see cref="NmfProjector.ActiveSetFinish"/>); a model of format 4 or earlier: false, its last sweep, as it was saved.
    /// </summary>
    internal bool ActiveSetFinish { get; }
    internal NmfProjector Projector { get; }
    internal float[] RawComponents => _components;

    /// <summary>
    /// The <paramref name="count"/> input slots with the largest weight in a component, largest first:
    /// a topic's top terms after FeaturizeText. Slots are named "Slot{index}" when the input had no names.
    /// </summary>
    public IReadOnlyList<(string Slot, float Weight)> GetTopSlots(int component, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        GetComponent(component); // checks the index
        int offset = component * FeatureCount;
        return Enumerable.Range(0, FeatureCount)
            .OrderByDescending(j => _components[offset + j]).ThenBy(j => j)
            .Take(count)
            .Select(j => (_slotNames?[j] ?? $"Slot{j}", _components[offset + j]))
            .ToArray();
    }

    /// <summary>
    /// Like <see cref="GetTopSlots"/> with the slot names made readable: FeaturizeText's <c>Word.rust</c> becomes
    /// <c>rust</c> and a word n-gram <c>Word.game|engine</c> becomes <c>game engine</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="component"/> is not in [0, Rank) or <paramref name="count"/> is below 1.</exception>
    public IReadOnlyList<(string Term, float Weight)> GetTopTerms(int component, int count) =>
        GetTopSlots(component, count).Select(s => (SlotNameText.CleanTerm(s.Slot), s.Weight)).ToArray();

    /// <summary>
    /// Every component as a topic with its <paramref name="termsPerTopic"/> heaviest terms (see <see cref="GetTopTerms"/>),
    /// in component order: the one-call summary, like LDA's <c>numberOfSummaryTermsPerTopic</c> / <c>GetLdaDetails</c>.
    /// Print a topic to get "Topic 3: game, strategy, board".
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="termsPerTopic"/> is below 1.</exception>
    public IReadOnlyList<NmfTopic> GetTopics(int termsPerTopic = 10)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(termsPerTopic, 1);
        return Enumerable.Range(0, Rank).Select(t => new NmfTopic(t, GetTopTerms(t, termsPerTopic))).ToArray();
    }

    /// <summary>Reconstructs a row from its features: x̂ = w · H (the inverse transform), all <see cref="FeatureCount"/> slots,
    /// including those a row had missing (their prediction).</summary>
    /// <exception cref="ArgumentException">The features do not have <see cref="Rank"/> values, or one is negative, NaN or
    /// infinite (the transform never outputs such features); the message names it.</exception>
    /// <exception cref="OverflowException">A slot of the reconstruction is beyond float's range (features far larger than
    /// those of the data the components were fitted on); nothing is clamped.</exception>
    public float[] Reconstruct(ReadOnlySpan<float> features)
    {
        if (features.Length != Rank)
            throw new ArgumentException($"Expected {Rank} features (the rank) but got {features.Length}.", nameof(features));
        for (int t = 0; t < features.Length; t++)
            if (!(features[t] >= 0f) || features[t] == float.PositiveInfinity)
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"The features must be finite and non-negative, as the transform outputs them, but feature {t} is {features[t]}."), nameof(features));
        var row = new float[FeatureCount];
        Reconstruct(features, row);
        return row;
    }

    /// <summary><see cref="Reconstruct(ReadOnlySpan{float})"/> of features known to be finite and non-negative, into <paramref name="row"/> (overwritten).</summary>
    /// <exception cref="OverflowException">A slot of the reconstruction is beyond float's range.</exception>
    internal void Reconstruct(ReadOnlySpan<float> features, float[] row)
    {
        Array.Clear(row);
        for (int t = 0; t < Rank; t++)
        {
            float w = features[t];
            if (w == 0f)
                continue;
            var h = GetComponent(t);
            for (int j = 0; j < row.Length; j++)
                row[j] += w * h[j];
        }
        for (int j = 0; j < row.Length; j++)
            if (!float.IsFinite(row[j]))
                throw new OverflowException(string.Create(CultureInfo.InvariantCulture,
                    $"NMF cannot represent the reconstruction in float: slot {j} exceeds {float.MaxValue:G9} (features up to {Largest(features):G6}). Scale the row down, or use components fitted on data of this magnitude."));
    }

    private static float Largest(ReadOnlySpan<float> values)
    {
        float largest = 0;
        foreach (float v in values)
            largest = MathF.Max(largest, v);
        return largest;
    }
}
