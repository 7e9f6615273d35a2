using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Nmf;
using MLNet.Nmf.MLNetInterop;
using MLNet.Nmf.Serialization;

[assembly: LoadableClass(NmfTransformer.Summary, typeof(NmfTransformer), null, typeof(SignatureLoadModel),
    NmfTransformer.UserName, NmfColumnsTransformer.LoaderSignature)]
[assembly: LoadableClass(typeof(IRowMapper), typeof(NmfTransformer), null, typeof(SignatureLoadRowMapper),
    NmfTransformer.UserName, NmfColumnsTransformer.LoaderSignature)]
[assembly: LoadableClass(NmfTransformer.Summary, typeof(IDataTransform), typeof(NmfTransformer), null, typeof(SignatureLoadDataTransform),
    NmfTransformer.UserName, NmfColumnsTransformer.LoaderSignature)]

namespace MLNet.Nmf;

/// <summary>
/// Appends to each row, for each column pair, its non-negative features w (length <see cref="NmfModelParameters.Rank"/>):
/// the projection of the input row x onto the fixed components H, i.e. the w ≥ 0 minimizing the model's
/// objective d_β(x, wH) + penalties(w). Created by <see cref="NmfEstimator.Fit(IDataView)"/> or loaded from a model zip.
/// </summary>
/// <remarks>
/// Lazy like every ML.NET transform; works through <c>GetRowToRowMapper</c> and <c>PredictionEngine</c>.
/// Immutable and safe to share across threads (use one PredictionEngine per thread, as ML.NET prescribes).
/// The input's values must be finite and non-negative; otherwise reading the output throws an
/// <see cref="InvalidOperationException"/> naming the column, row, slot and value. Rows of any finite
/// magnitude are projected (rows beyond float's comfortable range are scaled by an exact power of two
/// first); a row whose features float cannot represent at all is refused the same way, never given ∞ or NaN.
/// </remarks>
public sealed class NmfTransformer : ITransformer
{
    internal const string Summary = "Non-negative matrix factorization: projects a non-negative vector onto learned non-negative components.";
    internal const string UserName = "Non-Negative Matrix Factorization Transform";

    private readonly NmfColumnsTransformer _columns;

    private NmfTransformer(NmfColumnsTransformer columns)
    {
        _columns = columns;
        Columns = columns.ColumnPairs.Select(p => new InputOutputColumnPair(p.outputColumnName, p.inputColumnName)).ToArray();
    }

    internal NmfTransformer(IHostEnvironment env, (string Output, string Input)[] columns, NmfModelParameters[] models, int[] slotNameTerms)
        : this(new NmfColumnsTransformer(env, columns, models, slotNameTerms))
    {
    }

    /// <summary>
    /// Creates the ordinary transformer for components fitted elsewhere — by a distributed fit (MLNet.Nmf.Orleans)
    /// or any driver of the engine — so that it saves with <c>mlContext.Model.Save</c> and loads with
    /// <c>mlContext.Model.Load</c> like one made by <see cref="NmfEstimator.Fit(IDataView)"/>. Its rows are projected with
    /// the penalty on W and the projection settings of <paramref name="options"/>, exactly as the fit that
    /// produced the components projects its own rows.
    /// </summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="outputColumnName">The appended column (known-size vector of Single, length = the rank).</param>
    /// <param name="inputColumnName">The input column (known-size vector of Single, length = the components' columns).</param>
    /// <param name="components">H (rank x features), finite and non-negative.</param>
    /// <param name="options">The fit's settings (solver, loss, penalties, projection tolerance, missing values).</param>
    /// <param name="iterations">Outer iterations the fit ran.</param>
    /// <param name="converged">Whether the tolerance stopped the fit.</param>
    /// <param name="lossHistory">The objective at the start and after each iteration.</param>
    /// <param name="reconstructionError">‖X − WH‖_F / ‖X‖_F on the training data (finite, ≥ 0).</param>
    /// <param name="divergence">d_β(X, WH) on the training data.</param>
    /// <param name="slotNames">The input's slot names (FeaturizeText's terms), one per feature, none null; null or empty for none.</param>
    /// <exception cref="ArgumentException">A value that a saved model could not hold, so that <c>mlContext.Model.Load</c> would
    /// refuse its zip (the model file's own checks, applied here): components that are not finite and non-negative or whose
    /// squared norm exceeds <see cref="Engine.NmfFitOptions.Limits.MaxComponentSquaredNorm"/>, a rank above the features,
    /// options whose solver, loss and beta disagree or whose penalties, projection settings or missing-values mode are out
    /// of range, a negative iteration count, a non-finite loss-history entry, error or divergence, slot names that are
    /// not one per feature or include null. The message names the value; the parameter name says which argument.</exception>
    public static NmfTransformer FromComponents(MLContext mlContext, string outputColumnName, string inputColumnName,
        Engine.Matrices.DenseMatrix components, Engine.NmfFitOptions options, int iterations, bool converged,
        IReadOnlyList<double> lossHistory, double reconstructionError, double divergence, IReadOnlyList<string>? slotNames = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputColumnName);
        ArgumentException.ThrowIfNullOrWhiteSpace(inputColumnName);
        ArgumentNullException.ThrowIfNull(components);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(lossHistory);
        // What the model file's decoder would refuse on load is refused here, by the same checks (NmfModelChecks).
        int rank = components.Rows, features = components.Columns;
        Require(NmfModelChecks.Dimensions(rank, features), nameof(components));
        var values = components.Values.ToArray();
        for (int i = 0; i < values.Length; i++)
            Require(NmfModelChecks.Component(i, features, values[i]), nameof(components));
        Require(NmfModelChecks.ComponentNorms(values, rank, features), nameof(components));
        Require(NmfModelChecks.Solver((int)options.Solver) ?? NmfModelChecks.Loss((int)options.Loss)
            ?? NmfModelChecks.Beta(options.Solver, options.Loss, options.EffectiveBeta), nameof(options));
        var (penaltyW, _) = Engine.Solvers.Penalty.For(options, 1, features); // W's penalty scales with the features only
        Require(NmfModelChecks.Penalty("L1", penaltyW.L1) ?? NmfModelChecks.Penalty("L2", penaltyW.L2)
            ?? NmfModelChecks.ProjectionTolerance(options.ProjectionTolerance) ?? NmfModelChecks.ProjectionSweeps(options.ProjectionMaxIterations)
            ?? NmfModelChecks.MissingValues((int)options.MissingValues) ?? NmfModelChecks.MissingValuesWithBeta(options.MissingValues, options.EffectiveBeta),
            nameof(options));
        Require(NmfModelChecks.Iterations(iterations), nameof(iterations));
        var history = lossHistory.ToArray();
        for (int i = 0; i < history.Length; i++)
            Require(NmfModelChecks.LossHistoryEntry(i, history[i]), nameof(lossHistory));
        Require(NmfModelChecks.ReconstructionError(reconstructionError), nameof(reconstructionError));
        Require(NmfModelChecks.Divergence(divergence), nameof(divergence));
        string[]? names = null;
        if (slotNames is not null)
        {
            Require(NmfModelChecks.SlotNameCount(slotNames.Count, features), nameof(slotNames));
            for (int j = 0; j < slotNames.Count; j++)
                Require(NmfModelChecks.SlotName(j, slotNames[j]), nameof(slotNames));
            names = slotNames.Count == 0 ? null : slotNames.ToArray(); // as the model file keeps "no names"
        }
        var model = new NmfModelParameters(rank, features, values, options.Solver, options.Loss,
            options.EffectiveBeta, penaltyW, options.ProjectionTolerance, options.ProjectionMaxIterations,
            iterations, converged, reconstructionError, divergence, history, names, options.MissingValues);
        return new NmfTransformer(MLNetInterop.Interop.EnvironmentOf(mlContext.Transforms), new[] { (outputColumnName, inputColumnName) }, new[] { model }, new[] { 0 });
    }

    private static void Require(string? problem, string parameter)
    {
        if (problem is not null)
            throw new ArgumentException(problem, parameter);
    }

    /// <summary>What the fit learned for the first (often the only) column pair: components, outcome, topics, inverse transform.</summary>
    public NmfModelParameters Model => _columns.Models[0];

    /// <summary>What the fit learned for each column pair, in the order of <see cref="Columns"/>.</summary>
    public IReadOnlyList<NmfModelParameters> Models => _columns.Models;

    /// <summary>The column pairs (output, input), in the order they were given.</summary>
    public IReadOnlyList<InputOutputColumnPair> Columns { get; }

    /// <summary>Name of the first pair's appended column.</summary>
    public string OutputColumnName => Columns[0].OutputColumnName;

    /// <summary>Name of the first pair's input column.</summary>
    public string InputColumnName => Columns[0].InputColumnName;

    /// <summary>The model learned for the pair whose output column is <paramref name="outputColumnName"/>.</summary>
    /// <exception cref="ArgumentException">No pair has that output column.</exception>
    public NmfModelParameters GetModel(string outputColumnName)
    {
        for (int i = 0; i < Columns.Count; i++)
            if (Columns[i].OutputColumnName == outputColumnName)
                return _columns.Models[i];
        throw new ArgumentException($"This NMF transformer has no output column '{outputColumnName}'; its output columns are: {string.Join(", ", Columns.Select(c => $"'{c.OutputColumnName}'"))}.", nameof(outputColumnName));
    }

    /// <summary>The input schema plus one known-size vector of Single (length rank) per column pair.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing or is not a known-size vector of Single of the fitted length.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => ((ITransformer)_columns).GetOutputSchema(inputSchema);

    /// <summary>Appends the output columns (lazily: rows are projected as they are read).</summary>
    public IDataView Transform(IDataView input) => ((ITransformer)_columns).Transform(input);

    /// <summary>True: the transform maps each row on its own.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The row-to-row mapper ML.NET's <c>PredictionEngine</c> uses.</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => ((ITransformer)_columns).GetRowToRowMapper(inputSchema);

    // ML.NET's save plumbing (ICanSaveModel): called by mlContext.Model.Save; explicit so it stays out of the public surface.
    void ICanSaveModel.Save(ModelSaveContext ctx) => ((ICanSaveModel)_columns).Save(ctx);

    // Factory for SignatureLoadModel.
    private static NmfTransformer Create(IHostEnvironment env, ModelLoadContext ctx) => new(NmfColumnsTransformer.Load(env, ctx));

    // Factory for SignatureLoadDataTransform.
    private static IDataTransform Create(IHostEnvironment env, ModelLoadContext ctx, IDataView input)
        => NmfColumnsTransformer.Load(env, ctx).ToDataTransform(input);

    // Factory for SignatureLoadRowMapper.
    private static IRowMapper Create(IHostEnvironment env, ModelLoadContext ctx, DataViewSchema inputSchema)
        => NmfColumnsTransformer.Load(env, ctx).MakeRowMapper(inputSchema);
}
