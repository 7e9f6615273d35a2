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
/// non-negative features w. Create it with <c>mlContext.Transforms.NonNegativeMatrixFactorization(...)</c>.
/// </summary>
/// <remarks>
/// Algorithms: coordinate descent / HALS (Cichocki &amp; Phan 2009), multiplicative updates for
/// beta-divergences (Lee &amp; Seung 2001; Févotte &amp; Idier 2011), cyclic coordinate descent for KL
/// (Hsieh &amp; Dhillon 2011); NNDSVD initialisation (Boutsidis &amp; Gallopoulos 2008).
/// Progress and the outcome go to <c>MLContext.Log</c>.
/// </remarks>
public sealed class NmfEstimator : IEstimator<NmfTransformer>
{
    private readonly IHost _host;
    private readonly NmfOptions _options;

    internal NmfEstimator(IHostEnvironment env, NmfOptions options)
    {
        ArgumentNullException.ThrowIfNull(env);
        _host = env.Register(nameof(NmfEstimator));
        if (string.IsNullOrWhiteSpace(options.OutputColumnName))
            throw new ArgumentException("The output column name must not be empty.", nameof(options.OutputColumnName));
        if (options.InputColumnName is { } input && string.IsNullOrWhiteSpace(input))
            throw new ArgumentException("The input column name must not be empty (use null for the output column's name).", nameof(options.InputColumnName));
        if (options.Rank < 1)
            throw new ArgumentOutOfRangeException(nameof(options.Rank), options.Rank, "Rank must be at least 1.");
        if (options.MaximumIterations < 1)
            throw new ArgumentOutOfRangeException(nameof(options.MaximumIterations), options.MaximumIterations, "MaximumIterations must be at least 1.");
        _options = options;
    }

    private string InputColumnName => _options.InputColumnName ?? _options.OutputColumnName;

    /// <summary>The output schema: the input's columns plus the output column (known-size vector of Single, length rank).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or is not a known-size vector of Single.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        _host.CheckValue(inputSchema, nameof(inputSchema));
        if (!inputSchema.TryFindColumn(InputColumnName, out var column))
            throw _host.ExceptSchemaMismatch(nameof(inputSchema), "input", InputColumnName);
        if (column.Kind != SchemaShape.Column.VectorKind.Vector || !column.ItemType.Equals(NumberDataViewType.Single))
            throw _host.ExceptSchemaMismatch(nameof(inputSchema), "input", InputColumnName, ExpectedType, column.GetTypeString());
        var result = inputSchema.ToDictionary(c => c.Name);
        var slotNames = new SchemaShape(new[]
        {
            new SchemaShape.Column(AnnotationUtils.Kinds.SlotNames, SchemaShape.Column.VectorKind.Vector, TextDataViewType.Instance, false),
        });
        result[_options.OutputColumnName] = new SchemaShape.Column(_options.OutputColumnName,
            SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false, slotNames);
        return new SchemaShape(result.Values);
    }

    /// <summary>Reads the input column once and fits the components.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or has the wrong type, or an option is out of range.</exception>
    /// <exception cref="InvalidOperationException">The data is empty or all zero, or a value is negative, NaN or infinite (the message names row, slot and value).</exception>
    public NmfTransformer Fit(IDataView input)
    {
        _host.CheckValue(input, nameof(input));
        var column = input.Schema.GetColumnOrNull(InputColumnName)
            ?? throw _host.ExceptSchemaMismatch(nameof(input), "input", InputColumnName);
        CheckInputType(_host, InputColumnName, column.Type, expectedSize: null);
        int size = column.Type.GetVectorSize();

        using var channel = _host.Start("Fitting NMF");
        var (matrix, slotNames) = DataViewMatrixReader.Read(input, InputColumnName, size);
        int seed = _options.Seed ?? Interop.SeedOf(_host) ?? 0;
        using var progress = new FitProgressReporter(_host, InputColumnName);
        var options = _options.ToEngine(seed, message => channel.Info(message), progress.Report);
        var result = NmfEngine.Fit(matrix, options);
        if (!result.Converged && options.Tolerance > 0)
            channel.Warning(string.Create(CultureInfo.InvariantCulture,
                $"NMF stopped at MaximumIterations = {options.MaxIterations} without converging (tolerance {options.Tolerance}); raise MaximumIterations or Tolerance."));

        var model = new NmfModelParameters(result.H.Rows, result.H.Columns, result.H.Values.ToArray(), options.Solver, options.Loss,
            options.EffectiveBeta, result.Projector.Penalty, options.ProjectionTolerance, options.ProjectionMaxIterations,
            result.Iterations, result.Converged, result.RelativeError, result.Divergence, result.LossHistory.ToArray(), slotNames);
        return new NmfTransformer(_host, _options.OutputColumnName, InputColumnName, model);
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
