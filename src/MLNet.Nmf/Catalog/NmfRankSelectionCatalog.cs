using System.Globalization;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Nmf;
using MLNet.Nmf.DataReading;
using MLNet.Nmf.Engine.RankSelection;

namespace Microsoft.ML;

/// <summary>Adds rank selection by cross-validation over held-out entries to <c>mlContext.Transforms</c>.</summary>
public static class NmfRankSelectionCatalog
{
    /// <summary>
    /// Chooses the NMF rank for a column: holds out a seeded random <paramref name="holdOutFraction"/> of its observed
    /// entries, fits each of <paramref name="ranks"/> on the rest with <see cref="NmfMissingValues.Ignore"/>, and reports
    /// per rank the held-out and training RMSE (mean and spread over <paramref name="repeats"/>), the stability of the
    /// components across seeds and the time (see <see cref="NmfRankSelection"/>). The table also goes to <c>MLContext.Log</c>.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="data">The data.</param>
    /// <param name="columnName">A known-size vector of Single, non-negative (NaN = missing, never held out).</param>
    /// <param name="ranks">The ranks to try.</param>
    /// <param name="options">Fit settings shared by every rank (Rank, column names and MissingValues are ignored; Seed null = the MLContext's); null for the defaults.</param>
    /// <param name="holdOutFraction">Share of the observed entries held out, in (0, 0.5].</param>
    /// <param name="repeats">Masks (and seeds) per rank; 2 or more also measure stability.</param>
    /// <returns>The per-rank table; <see cref="NmfRankSelectionResult.BestRank"/> has the smallest held-out error.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The column is missing or has the wrong type, or an argument is out of range.</exception>
    /// <exception cref="InvalidOperationException">The data is empty, or every entry is missing or zero, or a value is negative or infinite (the message names the column, and row, slot and value).</exception>
    public static NmfRankSelectionResult NonNegativeMatrixFactorizationRankSelection(this TransformsCatalog catalog, IDataView data,
        string columnName, IEnumerable<int> ranks, NmfOptions? options = null, double holdOutFraction = 0.1, int repeats = 3)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(ranks);
        ArgumentException.ThrowIfNullOrWhiteSpace(columnName);
        if (options is not null)
            NmfEstimator.ValidateFitSettings(options);
        var env = MLNet.Nmf.MLNetInterop.Interop.EnvironmentOf(catalog);
        var host = env.Register(nameof(NmfRankSelection));
        var column = data.Schema.GetColumnOrNull(columnName)
            ?? throw host.ExceptSchemaMismatch(nameof(data), "input", columnName);
        NmfEstimator.CheckInputType(host, columnName, column.Type, expectedSize: null);
        int size = column.Type.GetVectorSize();

        using var channel = host.Start("NMF rank selection");
        var (matrix, _) = DataViewMatrixReader.Read(data, columnName, size, NmfMissingValues.Ignore, host.CheckAlive, message => channel.Warning(message));
        options ??= new NmfOptions();
        int seed = options.Seed ?? MLNet.Nmf.MLNetInterop.Interop.SeedOf(host) ?? 0;
        using var progress = new MLNet.Nmf.Progress.FitProgressReporter(host, columnName); // progress channel and MLContext.CancelExecution
        var fit = options.ToEngine(seed, message => channel.Info(message), progress.Report);
        var result = NmfRankSelection.Run(matrix, ranks.ToArray(), fit, holdOutFraction, repeats);
        channel.Info(result.ToTable());
        channel.Info(string.Create(CultureInfo.InvariantCulture, $"NMF rank selection: best rank {result.BestRank} (smallest held-out RMSE)."));
        return result;
    }
}
