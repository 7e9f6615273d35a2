using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Nmf.DataReading;
using MLNet.Nmf.Engine;
using MLNet.Nmf.MLNetInterop;
using MLNet.Nmf.Progress;

namespace MLNet.Nmf;

/// <summary>
/// Learns non-negative components H (rank x features) from a non-negative, known-size vector column of
/// Single, such that X ≈ W · H, and produces an <see cref="NmfTransformer"/> that appends each row's
/// non-negative features w. Several column pairs can be fitted by one estimator, each with its own options, as
/// ML.NET's PCA and LDA estimators allow. Create it with <c>mlContext.Transforms.NonNegativeMatrixFactorization(...)</c>.
/// </summary>
/// <remarks>
/// Algorithms: coordinate descent / HALS (Cichocki &amp; Phan 2009), multiplicative updates for
/// beta-divergences (Lee &amp; Seung 2001; Févotte &amp; Idier 2011), cyclic coordinate descent for KL
/// (Hsieh &amp; Dhillon 2011); NNDSVD initialisation (Boutsidis &amp; Gallopoulos 2008).
/// Progress goes to ML.NET's progress channel and, every few seconds, to <c>MLContext.Log</c>; the outcome to
/// <c>MLContext.Log</c>. The fit checks for cancellation once per iteration.
/// </remarks>
public sealed class NmfEstimator : IEstimator<NmfTransformer>
{
    private readonly IHost _host;
    private readonly NmfOptions[] _columns;

    internal NmfEstimator(IHostEnvironment env, NmfOptions[] columns)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(columns);
        _host = env.Register(nameof(NmfEstimator));
        if (columns.Length == 0)
            throw new ArgumentException("Give at least one column (NmfOptions with an OutputColumnName).", nameof(columns));
        foreach (var options in columns)
            Validate(options);
        var duplicate = columns.GroupBy(c => c.OutputColumnName).FirstOrDefault(g => g.Count() > 1);
        if (duplicate != null)
            throw new ArgumentException($"The output column '{duplicate.Key}' is given {duplicate.Count()} times; each column pair needs its own output column.", nameof(columns));
        // Copies: NmfOptions is mutable, and a change after these checks must not reach Fit unchecked.
        _columns = columns.Select(c => c.Clone()).ToArray();
    }

    private static void Validate(NmfOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.OutputColumnName))
            throw new ArgumentException("The output column name must not be empty.", nameof(options.OutputColumnName));
        if (options.InputColumnName is { } input && string.IsNullOrWhiteSpace(input))
            throw new ArgumentException("The input column name must not be empty (use null for the output column's name).", nameof(options.InputColumnName));
        if (options.MaximumIterations < 1)
            throw new ArgumentOutOfRangeException(nameof(options.MaximumIterations), options.MaximumIterations, "MaximumIterations must be at least 1.");
        if (options.DegreeOfParallelism is int degree && degree < 1)
            throw new ArgumentOutOfRangeException(nameof(options.DegreeOfParallelism), degree, "DegreeOfParallelism must be at least 1, or null for the processor count.");
        if (options.SlotNameTerms < 0 || options.SlotNameTerms > NmfOptions.MaxSlotNameTerms)
            throw new ArgumentOutOfRangeException(nameof(options.SlotNameTerms), options.SlotNameTerms, $"SlotNameTerms must be between 0 and {NmfOptions.MaxSlotNameTerms}.");
        options.ToEngine(seed: 0, log: null).Validate(); // every other option, before any data is read
    }

    private static string InputOf(NmfOptions options) => options.InputColumnName ?? options.OutputColumnName;

    /// <summary>The output schema: the input's columns plus one output column per pair (known-size vector of Single, length rank).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing or is not a known-size vector of Single.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        _host.CheckValue(inputSchema, nameof(inputSchema));
        var result = inputSchema.ToDictionary(c => c.Name);
        foreach (var options in _columns)
        {
            string inputName = InputOf(options);
            if (!inputSchema.TryFindColumn(inputName, out var column))
                throw _host.ExceptSchemaMismatch(nameof(inputSchema), "input", inputName);
            if (column.Kind != SchemaShape.Column.VectorKind.Vector || !column.ItemType.Equals(NumberDataViewType.Single))
                throw _host.ExceptSchemaMismatch(nameof(inputSchema), "input", inputName, ExpectedType, column.GetTypeString());
            var slotNames = new SchemaShape(new[]
            {
                new SchemaShape.Column(AnnotationUtils.Kinds.SlotNames, SchemaShape.Column.VectorKind.Vector, TextDataViewType.Instance, false),
            });
            result[options.OutputColumnName] = new SchemaShape.Column(options.OutputColumnName,
                SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false, slotNames);
        }
        return new SchemaShape(result.Values);
    }

    /// <summary>Reads each input column once and fits its components, one column pair after the other.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing or has the wrong type, or an option is out of range.</exception>
    /// <exception cref="InvalidOperationException">The data is empty or all zero, or a value is negative, NaN or infinite (the message names row, slot and value).</exception>
    /// <exception cref="OperationCanceledException">The MLContext's execution was cancelled during the fit.</exception>
    public NmfTransformer Fit(IDataView input)
    {
        _host.CheckValue(input, nameof(input));
        foreach (var options in _columns)
        {
            var column = input.Schema.GetColumnOrNull(InputOf(options))
                ?? throw _host.ExceptSchemaMismatch(nameof(input), "input", InputOf(options));
            CheckInputType(_host, InputOf(options), column.Type, expectedSize: null);
            int size = column.Type.GetVectorSize();
            if (options.Rank > size) // refused before any data pass (the engine checks it again)
                throw new ArgumentOutOfRangeException(nameof(NmfOptions.Rank), options.Rank, string.Create(CultureInfo.InvariantCulture,
                    $"Rank {options.Rank} is above the number of features ({size}) of column '{InputOf(options)}': with more components than features the factorization has no unique meaning, and memory grows with Rank. Use Rank <= {size}."));
        }
        var models = _columns.Select(options => FitColumn(input, options)).ToArray();
        return new NmfTransformer(_host, _columns.Select(c => (c.OutputColumnName, InputOf(c))).ToArray(), models,
            _columns.Select(c => c.SlotNameTerms).ToArray());
    }

    private NmfModelParameters FitColumn(IDataView input, NmfOptions columnOptions)
    {
        string inputName = InputOf(columnOptions);
        int size = input.Schema[inputName].Type.GetVectorSize();
        using var channel = _host.Start($"Fitting NMF on '{inputName}'");
        var (matrix, slotNames) = DataViewMatrixReader.Read(input, inputName, size, columnOptions.MissingValues);
        if (columnOptions.Rank > matrix.Rows)
            channel.Warning(string.Create(CultureInfo.InvariantCulture,
                $"Rank {columnOptions.Rank} exceeds the number of rows ({matrix.Rows}) of column '{inputName}': at most {matrix.Rows} components can be independent and the rest only repeat them; lower Rank or fit on more rows."));
        int seed = columnOptions.Seed ?? Interop.SeedOf(_host) ?? 0;
        using var progress = new FitProgressReporter(_host, inputName);
        var options = columnOptions.ToEngine(seed, message => channel.Info(message), progress.Report);
        var result = NmfEngine.Fit(matrix, options);
        if (!result.Converged && options.Tolerance > 0)
            channel.Warning(string.Create(CultureInfo.InvariantCulture,
                $"NMF stopped at MaximumIterations = {options.MaxIterations} without converging (tolerance {options.Tolerance}); raise MaximumIterations or Tolerance."));

        return new NmfModelParameters(result.H.Rows, result.H.Columns, result.H.Values.ToArray(), options.Solver, options.Loss,
            options.EffectiveBeta, result.Projector.Penalty, options.ProjectionTolerance, options.ProjectionMaxIterations,
            result.Iterations, result.Converged, result.RelativeError, result.Divergence, result.LossHistory.ToArray(), slotNames,
            options.MissingValues);
    }

    private const string ExpectedType = "known-size vector of Single";

    /// <summary>Throws a schema-mismatch error unless the type is a known-size vector of Single (of the given size).</summary>
    internal static void CheckInputType(IExceptionContext ectx, string name, DataViewType type, int? expectedSize)
    {
        if (type is not VectorDataViewType vector || !vector.IsKnownSize || !vector.ItemType.Equals(NumberDataViewType.Single))
            throw ectx.ExceptSchemaMismatch("inputSchema", "input", name, ExpectedType, type.ToString());
        if (expectedSize is int n && vector.Size != n)
            throw ectx.ExceptSchemaMismatch("inputSchema", "input", name, $"known-size vector of Single of length {n}", type.ToString());
    }
}
