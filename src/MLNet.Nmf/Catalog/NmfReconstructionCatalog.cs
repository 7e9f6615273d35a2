using MLNet.Nmf;

namespace Microsoft.ML;

/// <summary>Adds the NMF reconstruction transform (imputation, anomaly scores) to <c>mlContext.Transforms</c>.</summary>
public static class NmfReconstructionCatalog
{
    /// <summary>
    /// Fits <paramref name="rank"/> non-negative components to <paramref name="inputColumnName"/> and appends each row's
    /// reconstruction w·H (all slots, missing ones included) and, when <paramref name="errorColumnName"/> is given, the
    /// root mean square of x − w·H over the row's observed slots (NaN, ML.NET's missing value, for a row with none). NaN input slots are missing entries
    /// (<see cref="NmfMissingValues.Ignore"/>).
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="reconstructionColumnName">The reconstruction column (known-size vector of Single, as long as the input).</param>
    /// <param name="inputColumnName">The input column (non-negative known-size vector of Single; NaN = missing).</param>
    /// <param name="rank">Number of components.</param>
    /// <param name="errorColumnName">The per-row error column (Single; NaN for a row with no observed slot), or null for none.</param>
    /// <param name="seed">Seed; null uses the MLContext's.</param>
    /// <exception cref="ArgumentException">A column name is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rank"/> is below 1.</exception>
    public static NmfReconstructionEstimator NonNegativeMatrixFactorizationReconstruction(this TransformsCatalog catalog,
        string reconstructionColumnName, string inputColumnName, int rank = NmfOptions.Defaults.Rank, string? errorColumnName = null, int? seed = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return NonNegativeMatrixFactorizationReconstruction(catalog, new NmfOptions
        {
            InputColumnName = inputColumnName,
            Rank = rank,
            Seed = seed,
            MissingValues = NmfMissingValues.Ignore,
        }, reconstructionColumnName, errorColumnName);
    }

    /// <summary>
    /// The reconstruction transform with every NMF setting in <paramref name="options"/>; it also appends the features
    /// when <see cref="NmfOptions.OutputColumnName"/> is set. At least one of the two column names must be given.
    /// </summary>
    /// <exception cref="ArgumentException">No output column, a repeated or empty name, or no input column.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public static NmfReconstructionEstimator NonNegativeMatrixFactorizationReconstruction(this TransformsCatalog catalog,
        NmfOptions options, string? reconstructionColumnName, string? errorColumnName = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new NmfReconstructionEstimator(MLNet.Nmf.MLNetInterop.Interop.EnvironmentOf(catalog), options, reconstructionColumnName, errorColumnName);
    }
}
