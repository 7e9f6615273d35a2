using System.Globalization;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Nmf;
using MLNet.Nmf.DataReading;
using MLNet.Nmf.Engine.Matrices;
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
    /// <param name="options">Fit settings shared by every rank (Rank, column names, MissingValues and SlotNameTerms are ignored; Seed null =
    /// the MLContext's); null for the defaults. Rank selection reads the column into memory (the log says how many rows, stored
    /// values and MiB): with <see cref="NmfFitMode.Auto"/> within the estimator's in-memory budget (a quarter of the memory available
    /// to the GC; data over it is refused), with <see cref="NmfFitMode.InMemory"/> whatever its size. Leave
    /// <see cref="NmfOptions.FitMode"/> at <see cref="NmfFitMode.Auto"/> or <see cref="NmfFitMode.InMemory"/> and
    /// <see cref="NmfOptions.CheckpointDirectory"/> null (the streamed-fit settings BlockSize and MaximumPasses are not used).</param>
    /// <param name="holdOutFraction">Share of the observed entries held out, in (0, 0.5].</param>
    /// <param name="repeats">Masks (and seeds) per rank; 2 or more also measure stability.</param>
    /// <returns>The per-rank table; <see cref="NmfRankSelectionResult.BestRank"/> has the smallest held-out error.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The column is missing or has the wrong type, or an argument is out of range.</exception>
    /// <exception cref="ArgumentException"><see cref="NmfOptions.FitMode"/> is <see cref="NmfFitMode.Streamed"/> or
    /// <see cref="NmfOptions.CheckpointDirectory"/> is set: rank selection cannot stream (the message names the option and what to do).</exception>
    /// <exception cref="InvalidOperationException">With <see cref="NmfFitMode.Auto"/>, the column's in-memory copy would exceed the budget
    /// (reading stops there; the message says to choose the rank on a sample); or the data is empty, or every entry is missing or zero, or a value is negative or infinite (the message names the column, and row, slot and value).</exception>
    public static NmfRankSelectionResult NonNegativeMatrixFactorizationRankSelection(this TransformsCatalog catalog, IDataView data,
        string columnName, IEnumerable<int> ranks, NmfOptions? options = null, double holdOutFraction = 0.1, int repeats = 3)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(ranks);
        ArgumentException.ThrowIfNullOrWhiteSpace(columnName);
        if (options is not null)
        {
            NmfEstimator.ValidateFitSettings(options);
            CheckInMemory(options);
        }
        var env = MLNet.Nmf.MLNetInterop.Interop.EnvironmentOf(catalog);
        var host = env.Register(nameof(NmfRankSelection));
        var column = data.Schema.GetColumnOrNull(columnName)
            ?? throw host.ExceptSchemaMismatch(nameof(data), "input", columnName);
        NmfEstimator.CheckInputType(host, columnName, column.Type, expectedSize: null);
        int size = column.Type.GetVectorSize();

        using var channel = host.Start("NMF rank selection");
        options ??= new NmfOptions();
        var (matrix, _) = ReadIntoMemory(channel, host, data, columnName, size, options);
        int seed = options.Seed ?? MLNet.Nmf.MLNetInterop.Interop.SeedOf(host) ?? 0;
        using var progress = new MLNet.Nmf.Progress.FitProgressReporter(host, columnName); // progress channel and MLContext.CancelExecution
        var fit = options.ToEngine(seed, message => channel.Info(message), progress.Report);
        var result = NmfRankSelection.Run(matrix, ranks.ToArray(), fit, holdOutFraction, repeats);
        channel.Info(result.ToTable());
        channel.Info(string.Create(CultureInfo.InvariantCulture, $"NMF rank selection: best rank {result.BestRank} (smallest held-out RMSE)."));
        return result;
    }

    /// <summary>
    /// Reads the column into memory: with <see cref="NmfFitMode.Auto"/> within the estimator's in-memory budget (refused as
    /// soon as reading crosses it), with <see cref="NmfFitMode.InMemory"/> whatever its size; the log says how much was read.
    /// </summary>
    private static (INmfMatrix Matrix, string[]? SlotNames) ReadIntoMemory(IChannel channel, IHost host, IDataView data, string columnName,
        int size, NmfOptions options)
    {
        bool bounded = options.FitMode == NmfFitMode.Auto;
        long budget = bounded ? NmfEstimator.MemoryBudget(options) : long.MaxValue;
        if (bounded && DataViewMatrixReader.RowsAloneExceed(data, budget))
            throw OverBudget(columnName, budget, string.Create(CultureInfo.InvariantCulture, $"its {data.GetRowCount()} rows alone (GetRowCount) exceed it, so no row was read"));
        var read = DataViewMatrixReader.TryRead(data, columnName, size, budget, NmfMissingValues.Ignore, host.CheckAlive, message => channel.Warning(message));
        if (read is not { } copy)
            throw OverBudget(columnName, budget, "reading stopped as the copy crossed it");
        var matrix = copy.Matrix;
        long bytes = matrix is CsrMatrix ? 8L * matrix.StoredCount + 4L * (matrix.Rows + 1L) : 4L * matrix.Rows * matrix.Columns;
        string limit = bounded ? string.Create(CultureInfo.InvariantCulture, $"within the budget of {budget / 1048576} MiB of FitMode Auto") : "FitMode InMemory: no budget";
        channel.Info(string.Create(CultureInfo.InvariantCulture,
            $"NMF rank selection: read {matrix.Rows} rows, {matrix.StoredCount} stored values of column '{columnName}' into memory ({bytes / 1048576.0:F2} MiB, {(matrix is CsrMatrix ? "sparse" : "dense")}; {limit})."));
        return copy;
    }

    /// <summary>Data over the in-memory budget of FitMode Auto: rank selection cannot stream, so it is refused with what to do.</summary>
    private static InvalidOperationException OverBudget(string columnName, long budget, string when) =>
        new(string.Create(CultureInfo.InvariantCulture,
                $"Column '{columnName}' does not fit in the in-memory budget of FitMode Auto ({budget / 1048576} MiB, a quarter of the memory available to the GC; {when}). Rank selection reads the data into memory (it holds entries out as missing values, which a streamed fit cannot take); for data larger than memory, choose the rank on a sample of the rows (e.g. mlContext.Data.TakeRows(mlContext.Data.ShuffleRows(data), n)), then fit that rank with FitMode Streamed; or set FitMode InMemory to read it all anyway (it may exhaust memory)."));

    /// <summary>
    /// Rank selection fits in memory only (it holds entries out as missing values, which a streamed fit cannot take): the
    /// options that ask for a streamed fit are refused by name rather than ignored.
    /// </summary>
    private static void CheckInMemory(NmfOptions options)
    {
        if (!Enum.IsDefined(options.FitMode))
            throw new ArgumentOutOfRangeException(nameof(options.FitMode), options.FitMode,
                "Unknown FitMode; rank selection reads the data into memory: use Auto or InMemory.");
        if (options.FitMode == NmfFitMode.Streamed)
            throw new ArgumentException("FitMode is Streamed, but rank selection reads the data into memory (it holds entries out as missing values, which a streamed fit cannot take). Leave FitMode at Auto or InMemory; for data larger than memory, choose the rank on a sample of the rows, then fit that rank with FitMode Streamed.",
                nameof(options.FitMode));
        if (options.CheckpointDirectory is not null)
            throw new ArgumentException("CheckpointDirectory is set, but rank selection reads the data into memory and keeps no checkpoint. Leave CheckpointDirectory null here, and set it on the streamed fit of the rank you choose.",
                nameof(options.CheckpointDirectory));
    }
}
