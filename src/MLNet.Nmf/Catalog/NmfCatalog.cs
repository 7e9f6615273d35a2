using MLNet.Nmf;

namespace Microsoft.ML;

/// <summary>
/// Adds <see cref="NonNegativeMatrixFactorization(TransformsCatalog, string, string?, int, int?)"/> to
/// <c>mlContext.Transforms</c>, as ML.NET's PCA catalog does.
/// </summary>
public static class NmfCatalog
{
    /// <summary>
    /// Learns <paramref name="rank"/> non-negative components from a known-size vector of Single and
    /// appends, for each row, its non-negative projection onto them (a topic vector after FeaturizeText).
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">The new column: a known-size vector of Single of length <paramref name="rank"/>.</param>
    /// <param name="inputColumnName">The input column (non-negative known-size vector of Single); null for <paramref name="outputColumnName"/>.</param>
    /// <param name="rank">Number of components.</param>
    /// <param name="seed">Seed; null uses the MLContext's.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rank"/> is below 1.</exception>
    public static NmfEstimator NonNegativeMatrixFactorization(this TransformsCatalog catalog, string outputColumnName,
        string? inputColumnName = null, int rank = NmfOptions.Defaults.Rank, int? seed = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return NonNegativeMatrixFactorization(catalog, new NmfOptions
        {
            OutputColumnName = outputColumnName,
            InputColumnName = inputColumnName,
            Rank = rank,
            Seed = seed,
        });
    }

    /// <summary>NMF with every setting in <paramref name="options"/>, all checked here, before any data is read;
    /// the estimator keeps a copy, so later changes to <paramref name="options"/> do not reach it.</summary>
    /// <exception cref="ArgumentException">A column name is empty, or the solver does not minimize the loss.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public static NmfEstimator NonNegativeMatrixFactorization(this TransformsCatalog catalog, NmfOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return NonNegativeMatrixFactorization(catalog, new[] { options });
    }

    /// <summary>
    /// NMF on several column pairs in one estimator, each with its own settings (its own input, output, rank, ...), as
    /// ML.NET's PCA and LDA take several columns. The pairs are fitted one after the other; the transformer's
    /// <see cref="NmfTransformer.Models"/> holds one model per pair.
    /// </summary>
    /// <exception cref="ArgumentException">No column is given, a column name is empty, or two pairs share an output column.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public static NmfEstimator NonNegativeMatrixFactorization(this TransformsCatalog catalog, params NmfOptions[] columns)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(columns);
        return new NmfEstimator(MLNet.Nmf.MLNetInterop.Interop.EnvironmentOf(catalog), columns);
    }

    /// <summary>NMF on several column pairs with the same <paramref name="rank"/> and defaults for every other setting.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="columns">The (output, input) pairs; each input is a non-negative known-size vector of Single.</param>
    /// <param name="rank">Number of components of each pair.</param>
    /// <param name="seed">Seed; null uses the MLContext's.</param>
    /// <exception cref="ArgumentNullException">A pair is null (the message says which).</exception>
    /// <exception cref="ArgumentException">No column is given, a column name is empty, or two pairs share an output column.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rank"/> is below 1.</exception>
    public static NmfEstimator NonNegativeMatrixFactorization(this TransformsCatalog catalog, InputOutputColumnPair[] columns,
        int rank = NmfOptions.Defaults.Rank, int? seed = null)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var options = new NmfOptions[columns.Length];
        for (int i = 0; i < columns.Length; i++)
        {
            var pair = columns[i] ?? throw new ArgumentNullException(nameof(columns), $"columns[{i}] is null; give one InputOutputColumnPair per column pair.");
            options[i] = new NmfOptions { OutputColumnName = pair.OutputColumnName, InputColumnName = pair.InputColumnName, Rank = rank, Seed = seed };
        }
        return NonNegativeMatrixFactorization(catalog, options);
    }
}
