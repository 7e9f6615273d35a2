using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MLNet.Nmf;

/// <summary>
/// Fits NMF as <see cref="NmfEstimator"/> does and produces an <see cref="NmfReconstructionTransformer"/> that appends
/// the reconstruction w·H of each row (to impute missing values: fit with <see cref="NmfOptions.MissingValues"/> =
/// Ignore) and/or its reconstruction error over the observed slots (to flag rows the parts do not explain), and the
/// features too when <see cref="NmfOptions.OutputColumnName"/> is set. Create it with
/// <c>mlContext.Transforms.NonNegativeMatrixFactorizationReconstruction(...)</c>.
/// </summary>
public sealed class NmfReconstructionEstimator : IEstimator<NmfReconstructionTransformer>
{
    private const string HiddenFeatures = "__NmfReconstructionFeatures";
    private readonly IHostEnvironment _env;
    private readonly NmfEstimator _inner;
    private readonly string _input;
    private readonly (string Name, NmfReconstructionOutput Kind)[] _outputs;

    internal NmfReconstructionEstimator(IHostEnvironment env, NmfOptions options, string? reconstructionColumnName, string? errorColumnName)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(options);
        _env = env;
        _input = string.IsNullOrWhiteSpace(options.InputColumnName)
            ? throw new ArgumentException("The reconstruction needs InputColumnName (the column to factorize).", nameof(options.InputColumnName))
            : options.InputColumnName;
        var outputs = new List<(string, NmfReconstructionOutput)>();
        if (!string.IsNullOrWhiteSpace(options.OutputColumnName))
            outputs.Add((options.OutputColumnName, NmfReconstructionOutput.Features));
        if (!string.IsNullOrWhiteSpace(reconstructionColumnName))
            outputs.Add((reconstructionColumnName, NmfReconstructionOutput.Reconstruction));
        if (!string.IsNullOrWhiteSpace(errorColumnName))
            outputs.Add((errorColumnName, NmfReconstructionOutput.Error));
        if (!outputs.Any(o => o.Item2 != NmfReconstructionOutput.Features))
            throw new ArgumentException("Give reconstructionColumnName, errorColumnName or both; for the features alone use NonNegativeMatrixFactorization.", nameof(reconstructionColumnName));
        if (outputs.Select(o => o.Item1).Distinct().Count() != outputs.Count)
            throw new ArgumentException($"The output column names must differ: {string.Join(", ", outputs.Select(o => o.Item1))}.", nameof(reconstructionColumnName));
        _outputs = outputs.ToArray();
        var inner = options.Clone();
        inner.OutputColumnName = string.IsNullOrWhiteSpace(options.OutputColumnName) ? HiddenFeatures : options.OutputColumnName;
        _inner = new NmfEstimator(env, new[] { inner });
    }

    /// <summary>The input's columns plus the chosen outputs: features (vector, rank), reconstruction (vector, as the input), error (Single).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or is not a known-size vector of Single.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var withFeatures = _inner.GetOutputSchema(inputSchema); // checks the input column
        var result = inputSchema.ToDictionary(c => c.Name);
        // The reconstruction always has slot names (the training input's, or Slot{j}) and no other annotation.
        var slotNames = new SchemaShape(new[]
        {
            new SchemaShape.Column(AnnotationUtils.Kinds.SlotNames, SchemaShape.Column.VectorKind.Vector, TextDataViewType.Instance, false),
        });
        foreach (var (name, kind) in _outputs)
        {
            result[name] = kind switch
            {
                NmfReconstructionOutput.Features => withFeatures.Single(c => c.Name == name),
                NmfReconstructionOutput.Reconstruction => new SchemaShape.Column(name, SchemaShape.Column.VectorKind.Vector,
                    NumberDataViewType.Single, false, slotNames),
                _ => new SchemaShape.Column(name, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Single, false),
            };
        }
        return new SchemaShape(result.Values);
    }

    /// <summary>Reads the input column once, fits the components (as <see cref="NmfEstimator.Fit(IDataView)"/>) and returns the transformer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or has the wrong type, or an option is out of range.</exception>
    /// <exception cref="InvalidOperationException">The data is empty, all zero or (NaN marking missing entries) all missing or zero, or holds a value NMF refuses (the message names row, slot and value).</exception>
    public NmfReconstructionTransformer Fit(IDataView input)
    {
        var nmf = _inner.Fit(input);
        return new NmfReconstructionTransformer(_env, _input, _outputs, nmf.Model);
    }
}
