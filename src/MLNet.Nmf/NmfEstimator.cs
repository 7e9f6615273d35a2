using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Nmf.DataReading;
using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Blocks;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Solvers;
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
/// Each column is fitted in memory or streamed block by block (<see cref="NmfOptions.FitMode"/>).
/// Progress goes to ML.NET's progress channel and, every few seconds, to <c>MLContext.Log</c>; the outcome to
/// <c>MLContext.Log</c>. The fit checks for cancellation once per iteration, and while it reads the data: every 1024 rows in
/// memory, before every block streamed.
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
        for (int i = 0; i < columns.Length; i++)
            ValidatePair(columns, i);
        var duplicate = columns.GroupBy(c => c.OutputColumnName).FirstOrDefault(g => g.Count() > 1);
        if (duplicate != null)
            throw new ArgumentException($"The output column '{duplicate.Key}' is given {duplicate.Count()} times; each column pair needs its own output column.", nameof(columns));
        var shared = columns.Where(c => c.CheckpointDirectory is not null).GroupBy(c => Path.GetFullPath(c.CheckpointDirectory!)).FirstOrDefault(g => g.Count() > 1);
        if (shared != null)
            throw new ArgumentException($"The CheckpointDirectory '{shared.Key}' is given to {shared.Count()} column pairs ({string.Join(", ", shared.Select(c => c.OutputColumnName))}); each streamed column keeps its own checkpoint, so give each its own directory.", nameof(NmfOptions.CheckpointDirectory));
        // Copies: NmfOptions is mutable, and a change after these checks must not reach Fit unchecked.
        _columns = columns.Select(c => c.Clone()).ToArray();
    }

    /// <summary>
    /// <see cref="Validate"/> for pair <paramref name="index"/>; with several pairs the message first says which one
    /// ("columns[1] (output column 'B'): ..."), keeping the exception's type, option name and value.
    /// </summary>
    private static void ValidatePair(NmfOptions[] columns, int index)
    {
        var options = columns[index]
            ?? throw new ArgumentNullException(nameof(columns), $"columns[{index}] is null; give one NmfOptions per column pair.");
        try
        {
            Validate(options);
        }
        catch (ArgumentException e) when (columns.Length > 1)
        {
            string pair = string.IsNullOrWhiteSpace(options.OutputColumnName) ? $"columns[{index}]" : $"columns[{index}] (output column '{options.OutputColumnName}')";
            string message = $"{pair}: {e.Message.Split(" (Parameter '")[0]}";
            throw e is ArgumentOutOfRangeException range
                ? new ArgumentOutOfRangeException(range.ParamName, range.ActualValue, message)
                : new ArgumentException(message, e.ParamName, e);
        }
    }

    private static void Validate(NmfOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.OutputColumnName))
            throw new ArgumentException("The output column name must not be empty.", nameof(options.OutputColumnName));
        if (options.InputColumnName is { } input && string.IsNullOrWhiteSpace(input))
            throw new ArgumentException("The input column name must not be empty (use null for the output column's name).", nameof(options.InputColumnName));
        ValidateFitSettings(options);
        if (options.BlockSize < 1)
            throw new ArgumentOutOfRangeException(nameof(options.BlockSize), options.BlockSize, "BlockSize (rows per block of a streamed fit) must be at least 1.");
        if (options.MaximumPasses < 2)
            throw new ArgumentOutOfRangeException(nameof(options.MaximumPasses), options.MaximumPasses, "MaximumPasses must be at least 2: one to count the rows and one per iteration.");
        if (!Enum.IsDefined(options.FitMode))
            throw new ArgumentOutOfRangeException(nameof(options.FitMode), options.FitMode, "Unknown FitMode; use Auto, InMemory or Streamed.");
        if (options.FitMode == NmfFitMode.Streamed && !CanStream(options))
            throw new ArgumentException($"FitMode Streamed needs Solver CoordinateDescent, Loss Frobenius and MissingValues Error, but Solver is {options.Solver}, Loss {options.Loss} and MissingValues {options.MissingValues}. Use FitMode InMemory (or Auto) for them.", nameof(options.FitMode));
        CheckCheckpointDirectory(options);
        if (options.SlotNameTerms < 0 || options.SlotNameTerms > NmfOptions.MaxSlotNameTerms)
            throw new ArgumentOutOfRangeException(nameof(options.SlotNameTerms), options.SlotNameTerms, $"SlotNameTerms must be between 0 and {NmfOptions.MaxSlotNameTerms}.");
        options.ToEngine(seed: 0, log: null).Validate(); // every other option, before any data is read
    }

    /// <summary>
    /// The options whose names differ from the engine's (<see cref="Engine.NmfFitOptions"/>) or that are nullable here, checked
    /// under their <see cref="NmfOptions"/> names; every fit of <see cref="NmfOptions"/> (the estimator, rank selection) runs it
    /// before the engine's own checks.
    /// </summary>
    internal static void ValidateFitSettings(NmfOptions options)
    {
        if (options.MaximumIterations < 1)
            throw new ArgumentOutOfRangeException(nameof(options.MaximumIterations), options.MaximumIterations, "MaximumIterations must be at least 1.");
        if (options.DegreeOfParallelism is int degree && degree < 1)
            throw new ArgumentOutOfRangeException(nameof(options.DegreeOfParallelism), degree, "DegreeOfParallelism must be at least 1, or null for the processor count.");
    }

    /// <summary>A checkpoint is kept by a streamed fit only: refused where the column can never stream.</summary>
    private static void CheckCheckpointDirectory(NmfOptions options)
    {
        if (options.CheckpointDirectory is not { } directory)
            return;
        if (string.IsNullOrWhiteSpace(directory))
            throw new ArgumentException("CheckpointDirectory is empty; give a directory (it is created if missing), or null to keep no checkpoint.", nameof(options.CheckpointDirectory));
        if (options.FitMode == NmfFitMode.InMemory || !CanStream(options))
            throw new ArgumentException($"CheckpointDirectory is kept by a streamed fit only, but this column is fitted in memory (FitMode {options.FitMode}, Solver {options.Solver}, Loss {options.Loss}, MissingValues {options.MissingValues}). Use FitMode Streamed or Auto with Solver CoordinateDescent and Loss Frobenius, or leave CheckpointDirectory null.", nameof(options.CheckpointDirectory));
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
            if (column.Kind != SchemaShape.Column.VectorKind.Vector || !column.ItemType.Equals(NumberDataViewType.Single) || column.IsKey)
                throw Mismatch(_host, inputName, ExpectedType, column.GetTypeString(),
                    WhatToDo(inputName, column.ItemType, column.IsKey, column.Kind));
            var slotNames = new SchemaShape(new[]
            {
                new SchemaShape.Column(AnnotationUtils.Kinds.SlotNames, SchemaShape.Column.VectorKind.Vector, TextDataViewType.Instance, false),
            });
            result[options.OutputColumnName] = new SchemaShape.Column(options.OutputColumnName,
                SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false, slotNames);
        }
        return new SchemaShape(result.Values);
    }

    /// <summary>
    /// Fits the components of each column pair, one after the other: in memory (the column read once into one
    /// matrix) or streamed (read block by block, one pass per iteration), as <see cref="NmfOptions.FitMode"/> says;
    /// the log tells which and why.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing or has the wrong type, or an option is out of range.</exception>
    /// <exception cref="ArgumentException">An SVD <see cref="NmfOptions.Initialization"/> with FitMode Streamed (before any row is read), or
    /// with FitMode Auto on a column whose in-memory copy exceeds the budget (where reading crosses it).</exception>
    /// <exception cref="InvalidOperationException">The data is empty or all zero (with MissingValues Ignore: every entry missing or zero), a row's length is not its column's, a value is negative, NaN or infinite, or a sparse row's slot indices are out of order or range (the message names column, row, slot and value); or, streamed, a later pass read other rows than the first, or the same rows in another order (the message names the column, the pass and the block).</exception>
    /// <exception cref="OperationCanceledException">The MLContext's execution was cancelled during the fit.</exception>
    public NmfTransformer Fit(IDataView input) => FitCore(input, initial: null);

    /// <summary>
    /// Warm start, as ML.NET's trainers offer it: fits starting from an existing model's components (e.g. a loaded
    /// model, to update it with new data). Each row's features start as its projection onto those components.
    /// </summary>
    /// <param name="input">The training data.</param>
    /// <param name="modelParameters">The model to start from: same rank and number of input slots.</param>
    /// <exception cref="ArgumentException">The estimator has several column pairs, the model's rank or slot count differs from this estimator's rank or the input column, or its components are all zeros.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or has the wrong type, or an option is out of range.</exception>
    /// <exception cref="InvalidOperationException">The data is empty or all zero (with MissingValues Ignore: every entry missing or zero), or a value is negative, NaN or infinite.</exception>
    public NmfTransformer Fit(IDataView input, NmfModelParameters modelParameters)
    {
        ArgumentNullException.ThrowIfNull(modelParameters);
        if (_columns.Length != 1)
            throw new ArgumentException($"A warm start takes one model, but this estimator has {_columns.Length} column pairs; use one estimator per column to warm-start.", nameof(modelParameters));
        return FitCore(input, modelParameters);
    }

    private NmfTransformer FitCore(IDataView input, NmfModelParameters? initial)
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
            if (options.FitMode != NmfFitMode.InMemory && (long)options.BlockSize * Math.Max(1, options.Rank) > Array.MaxLength - 8)
                throw new ArgumentOutOfRangeException(nameof(options.BlockSize), options.BlockSize, string.Create(CultureInfo.InvariantCulture,
                    $"BlockSize {options.BlockSize} x Rank {options.Rank} = {(long)options.BlockSize * options.Rank} features per streamed block is more than a .NET array can hold ({Array.MaxLength}); lower BlockSize."));
            if (initial is null && options.FitMode == NmfFitMode.Streamed && NeedsWholeMatrix(options.Initialization))
                throw new ArgumentException(
                    $"Initialization {options.Initialization} needs the whole matrix in memory, but FitMode is Streamed, which never holds it. Use Initialization Auto or Random for a streamed fit, or FitMode InMemory (or Auto, for data that fits in memory) for the SVD start.",
                    nameof(NmfOptions.Initialization));
            if (initial is not null && (initial.Rank != options.Rank || initial.FeatureCount != size))
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"The model to start from has rank {initial.Rank} and {initial.FeatureCount} input slots; this fit needs rank {options.Rank} and the {size} slots of column '{InputOf(options)}'."), "modelParameters");
            if (initial is not null && !Array.Exists(initial.RawComponents, v => v > 0))
                throw new ArgumentException(
                    "The model to start from has components that are all zeros; a warm start needs at least one positive value (all-zero components never move). Fit without a model to start from, or start from a model fitted to data.",
                    "modelParameters");
        }
        var models = _columns.Select(options => FitColumn(input, options, initial)).ToArray();
        // Every column has finished: only now do the streamed columns' finished records go (a later column's failure
        // left them, so that fitting again did not redo the columns that had finished).
        foreach (var options in _columns)
            if (options.CheckpointDirectory is { } directory)
                NmfEngine.DeleteFinishedRecord(directory);
        return new NmfTransformer(_host, _columns.Select(c => (c.OutputColumnName, InputOf(c))).ToArray(), models,
            _columns.Select(c => c.SlotNameTerms).ToArray());
    }

    private NmfModelParameters FitColumn(IDataView input, NmfOptions columnOptions, NmfModelParameters? initial)
    {
        string inputName = InputOf(columnOptions);
        var column = input.Schema[inputName];
        int size = column.Type.GetVectorSize();
        using var channel = _host.Start($"Fitting NMF on '{inputName}'");
        int seed = columnOptions.Seed ?? Interop.SeedOf(_host) ?? 0;
        using var progress = new FitProgressReporter(_host, inputName);
        var options = columnOptions.ToEngine(seed, message => channel.Info(message), progress.Report);
        INmfMatrix? matrix = null;
        string[]? slotNames = null;
        Action<string> warn = message => channel.Warning(message); // the in-memory reader's warnings (slots never observed)
        switch (columnOptions.FitMode)
        {
            case NmfFitMode.InMemory:
                channel.Info("NMF: fitting in memory (FitMode InMemory).");
                (matrix, slotNames) = DataViewMatrixReader.Read(input, inputName, size, columnOptions.MissingValues, _host.CheckAlive, warn);
                break;
            case NmfFitMode.Auto when !CanStream(columnOptions):
                channel.Info($"NMF: fitting in memory (FitMode Auto; Solver {columnOptions.Solver} with Loss {columnOptions.Loss} and MissingValues {columnOptions.MissingValues} cannot stream).");
                (matrix, slotNames) = DataViewMatrixReader.Read(input, inputName, size, columnOptions.MissingValues, _host.CheckAlive, warn);
                break;
            case NmfFitMode.Auto:
                long budget = MemoryBudget(columnOptions);
                bool svdStart = initial is null && NeedsWholeMatrix(columnOptions.Initialization);
                if (svdStart) // said before the read: over the budget such a column is refused, never streamed
                    channel.Info(string.Create(CultureInfo.InvariantCulture,
                        $"NMF: FitMode Auto with Initialization {columnOptions.Initialization}: the SVD start needs the whole matrix, so column '{inputName}' is fitted in memory if its copy fits in the budget of {budget / 1048576} MiB, and refused (not streamed) as soon as reading crosses it."));
                if (DataViewMatrixReader.RowsAloneExceed(input, budget))
                {
                    // The row count alone says the copy cannot fit: no row is read into memory (reading up to the budget
                    // only to drop what was read cost a budget's worth of reading and allocation before streaming).
                    if (svdStart)
                        throw SvdStartOverBudget(columnOptions, inputName, budget, string.Create(CultureInfo.InvariantCulture,
                            $"its {input.GetRowCount()} rows alone (GetRowCount) exceed it, so no row was read"));
                    channel.Info(string.Create(CultureInfo.InvariantCulture,
                        $"NMF: streaming (FitMode Auto: column '{inputName}' has {input.GetRowCount()} rows (GetRowCount), whose in-memory copy alone, at 12 bytes a row whatever the values, would exceed the budget of {budget / 1048576} MiB, a quarter of the memory available to the GC; no row was read into memory)."));
                }
                else if (DataViewMatrixReader.TryRead(input, inputName, size, budget, columnOptions.MissingValues, _host.CheckAlive, warn) is { } read)
                {
                    (matrix, slotNames) = read;
                    channel.Info(string.Create(CultureInfo.InvariantCulture,
                        $"NMF: fitting in memory (FitMode Auto: {matrix.Rows} rows, {matrix.StoredCount} stored values fit in the budget of {budget / 1048576} MiB, a quarter of the memory available to the GC)."));
                }
                else if (svdStart)
                {
                    throw SvdStartOverBudget(columnOptions, inputName, budget, "reading stopped as the copy crossed it");
                }
                else
                {
                    channel.Info(string.Create(CultureInfo.InvariantCulture,
                        $"NMF: streaming (FitMode Auto: an in-memory copy of column '{inputName}' would exceed the budget of {budget / 1048576} MiB, a quarter of the memory available to the GC; row count {(input.GetRowCount() is long r ? r.ToString(CultureInfo.InvariantCulture) : "unknown")})."));
                }
                break;
            default:
                channel.Info("NMF: streaming (FitMode Streamed).");
                break;
        }

        if (matrix is not null && columnOptions.CheckpointDirectory is not null)
            channel.Info($"NMF: no checkpoint kept in '{columnOptions.CheckpointDirectory}': CheckpointDirectory is used by a streamed fit only, and this column is fitted in memory.");
        if (matrix is null)
            return FitStreamed(channel, _host, input, column, size, columnOptions, options, initial);
        WarnIfRankAboveRows(channel, columnOptions.Rank, matrix.Rows, inputName);
        var model = FitInMemory(channel, matrix, options, initial, slotNames);
        if (columnOptions.CheckpointDirectory is { } directory)
            DeleteStreamedCheckpoint(channel, directory);
        return model;
    }

    /// <summary>
    /// A column of FitMode Auto fitted in memory has no use for an earlier streamed attempt's checkpoint in its directory
    /// (a fit that finishes leaves none): its files, known by their exact names (<see cref="NmfEngine.DeleteCheckpoint"/>),
    /// are deleted once the in-memory fit has succeeded; nothing else in the directory is touched. A failure to delete
    /// them (another fit holds the directory, no permission) is a warning: the fitted model is not lost for it.
    /// </summary>
    private static void DeleteStreamedCheckpoint(IChannel channel, string directory)
    {
        try
        {
            int deleted = NmfEngine.DeleteCheckpoint(directory);
            if (deleted > 0)
                channel.Info(string.Create(CultureInfo.InvariantCulture,
                    $"NMF: deleted the {deleted} files of an earlier streamed fit's checkpoint in '{directory}': this column was fitted in memory, and a finished fit keeps no checkpoint."));
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            channel.Warning($"NMF: the checkpoint files of an earlier streamed fit in '{directory}' were left there ({e.Message}); this column was fitted in memory and does not need them.");
        }
    }

    /// <summary>The warning of a rank above the row count, in memory and streamed (after the counting pass) alike.</summary>
    private static void WarnIfRankAboveRows(IChannel channel, int rank, long rows, string inputName)
    {
        if (rank > rows)
            channel.Warning(string.Create(CultureInfo.InvariantCulture,
                $"Rank {rank} exceeds the number of rows ({rows}) of column '{inputName}': at most {rows} components can be independent and the rest only repeat them; lower Rank or fit on more rows."));
    }

    private static NmfModelParameters FitInMemory(IChannel channel, INmfMatrix matrix, NmfFitOptions options, NmfModelParameters? initial, string[]? slotNames)
    {
        if (initial is not null)
        {
            var components = new DenseMatrix(initial.Rank, initial.FeatureCount, initial.RawComponents.ToArray());
            var start = NmfEngine.CreateProjector(components, options.EffectiveBeta, Penalty.For(options, matrix.Rows, matrix.Columns).W, options.MissingValues,
                options.ProjectionTolerance, options.ProjectionMaxIterations);
            options = options with { Initialization = NmfInitialization.Custom, InitialH = components, InitialW = start.Transform(matrix, options.DegreeOfParallelism) };
        }
        var result = NmfEngine.Fit(matrix, options);
        WarnIfNotConverged(channel, result.Converged, options);
        return new NmfModelParameters(result.H.Rows, result.H.Columns, result.H.Values.ToArray(), options.Solver, options.Loss,
            options.EffectiveBeta, result.Projector.Penalty, options.ProjectionTolerance, options.ProjectionMaxIterations,
            result.Iterations, result.Converged, result.RelativeError, result.Divergence, result.LossHistory.ToArray(), slotNames,
            options.MissingValues);
    }

    /// <summary>How the engine's streamed fit begins every refusal of a later pass that differs from pass 1 (StreamedFitDriver).</summary>
    private const string DataChanged = "The data changed between passes";

    private static NmfModelParameters FitStreamed(IChannel channel, IHost host, IDataView input, DataViewSchema.Column column, int size, NmfOptions columnOptions, NmfFitOptions options, NmfModelParameters? initial)
    {
        // The host's cancellation is checked before every block of every pass, the counting pass included.
        var source = new DataViewBlockSource(input, column.Name, size, columnOptions.BlockSize, host.CheckAlive);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        bool suggested = false;
        var streaming = new NmfStreamingOptions
        {
            MaxPasses = columnOptions.MaximumPasses,
            CheckpointDirectory = columnOptions.CheckpointDirectory,
            KeepFinished = true, // deleted by FitCore once every column has finished
            InitialComponents = initial is null ? null : new DenseMatrix(initial.Rank, initial.FeatureCount, initial.RawComponents.ToArray()),
            PassCompleted = (pass, rows, objective) =>
            {
                if (pass == 1)
                    WarnIfRankAboveRows(channel, columnOptions.Rank, rows, column.Name);
                // Reading that dominates the passes means every pass re-runs an expensive upstream pipeline. Counted in passes
                // this fit read (source.Passes): a restored or recorded pass is reported with 0 rows and was not read.
                if (!suggested && rows > 0 && source.Passes >= 2 && source.ReadTime.TotalSeconds > 0.5 * clock.Elapsed.TotalSeconds && source.ReadTime.TotalSeconds > 1)
                {
                    suggested = true;
                    channel.Info(string.Create(CultureInfo.InvariantCulture,
                        $"NMF: reading the input took {source.ReadTime.TotalSeconds:F1} s of the {clock.Elapsed.TotalSeconds:F1} s of {source.Passes} passes: each pass re-runs the pipeline upstream of this estimator. If the featurized data fits in memory, append AppendCacheCheckpoint(mlContext) before NMF; otherwise save it once with mlContext.Data.SaveAsBinary and fit on mlContext.Data.LoadFromBinary."));
                }
            },
        };
        NmfStreamedResult result;
        try
        {
            result = NmfEngine.FitStreamed(source, options, streaming);
        }
        catch (InvalidOperationException e) when (e.Message.StartsWith(DataChanged, StringComparison.Ordinal))
        {
            // The engine's refusal of a later pass that differs from pass 1 knows blocks, not ML.NET columns: named here as
            // the reader's own data errors are ("Column 'Values' has ...").
            throw new InvalidOperationException($"The data of column '{column.Name}' changed between passes{e.Message[DataChanged.Length..]}", e);
        }
        WarnIfNotConverged(channel, result, columnOptions, options);
        return new NmfModelParameters(result.H.Rows, result.H.Columns, result.H.Values.ToArray(), options.Solver, options.Loss,
            options.EffectiveBeta, result.Projector.Penalty, options.ProjectionTolerance, options.ProjectionMaxIterations,
            result.Iterations, result.Converged, result.RelativeError, result.Divergence, result.LossHistory.ToArray(),
            DataViewMatrixReader.ReadSlotNames(column, size), options.MissingValues);
    }

    private static void WarnIfNotConverged(IChannel channel, bool converged, NmfFitOptions options)
    {
        if (!converged && options.Tolerance > 0)
            channel.Warning(string.Create(CultureInfo.InvariantCulture,
                $"NMF stopped at MaximumIterations = {options.MaxIterations} without converging (tolerance {options.Tolerance}); raise MaximumIterations or Tolerance."));
    }

    private static void WarnIfNotConverged(IChannel channel, NmfStreamedResult result, NmfOptions columnOptions, NmfFitOptions options)
    {
        if (!result.Converged && options.Tolerance > 0)
            channel.Warning(string.Create(CultureInfo.InvariantCulture,
                $"NMF stopped after {result.Passes} passes ({result.Iterations} iterations; MaximumPasses = {columnOptions.MaximumPasses}, MaximumIterations = {options.MaxIterations}) without converging (tolerance {options.Tolerance}); raise MaximumPasses or Tolerance."));
    }

    /// <summary>A streamed fit runs coordinate descent on the Frobenius loss, without missing entries (the block step has no masked arithmetic).</summary>
    private static bool CanStream(NmfOptions options) =>
        options.Solver == NmfSolver.CoordinateDescent && options.Loss == NmfLoss.Frobenius && options.MissingValues == NmfMissingValues.Error;

    /// <summary>
    /// The most an in-memory copy may take in Auto mode (the estimator's and rank selection's): a quarter of what the GC may
    /// use (machine, container or heap limit), or the options' <see cref="NmfOptions.MemoryBudgetBytes"/> when set (tests).
    /// </summary>
    internal static long MemoryBudget(NmfOptions options) =>
        options.MemoryBudgetBytes ?? Math.Max(1, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4);

    /// <summary>
    /// FitMode Auto with an SVD start on a column whose in-memory copy exceeds the budget: the start needs the whole matrix,
    /// a streamed fit cannot make it, so the column is refused (naming both options and what to do) instead of streamed.
    /// </summary>
    private static ArgumentException SvdStartOverBudget(NmfOptions options, string inputName, long budget, string when) =>
        new(string.Create(CultureInfo.InvariantCulture,
            $"Initialization {options.Initialization} needs the whole matrix in memory, but with FitMode Auto the in-memory copy of column '{inputName}' exceeds the budget of {budget / 1048576} MiB (a quarter of the memory available to the GC; {when}), and a streamed fit cannot start from an SVD. Use Initialization Auto or Random to stream this column (FitMode Auto or Streamed), or FitMode InMemory to fit it in memory anyway (it may exhaust memory)."),
            nameof(NmfOptions.Initialization));

    /// <summary>The starts computed from the whole matrix (an SVD), which a streamed fit cannot make.</summary>
    private static bool NeedsWholeMatrix(NmfInitialization initialization) =>
        initialization is NmfInitialization.Nndsvd or NmfInitialization.Nndsvda or NmfInitialization.Nndsvdar;

    private const string ExpectedType = "known-size vector of Single";

    /// <summary>Throws a schema-mismatch error unless the type is a known-size vector of Single (of the given size).</summary>
    internal static void CheckInputType(IExceptionContext ectx, string name, DataViewType type, int? expectedSize)
    {
        string expected = expectedSize is int size ? $"{ExpectedType} of length {size}" : ExpectedType;
        if (type is not VectorDataViewType vector || !vector.IsKnownSize || !vector.ItemType.Equals(NumberDataViewType.Single))
        {
            var item = type is VectorDataViewType v ? v.ItemType : type;
            var kind = type switch
            {
                VectorDataViewType { IsKnownSize: true } => SchemaShape.Column.VectorKind.Vector,
                VectorDataViewType => SchemaShape.Column.VectorKind.VariableVector,
                _ => SchemaShape.Column.VectorKind.Scalar,
            };
            throw Mismatch(ectx, name, expected, type.ToString() ?? "", WhatToDo(name, item, item is KeyDataViewType, kind));
        }
        if (expectedSize is int n && vector.Size != n)
            throw Mismatch(ectx, name, expected, type.ToString() ?? "", string.Create(CultureInfo.InvariantCulture,
                $"The model was fitted on {n} slots: give it data prepared as at fit time (the same fitted featurization), or fit the model again on data of {vector.Size} slots."));
    }

    /// <summary>ML.NET's schema-mismatch message ("Schema mismatch for input column ..."), followed by what to do when known.</summary>
    private static Exception Mismatch(IExceptionContext ectx, string name, string expected, string got, string? whatToDo) =>
        whatToDo is null
            ? ectx.ExceptSchemaMismatch("inputSchema", "input", name, expected, got)
            : ectx.ExceptParam("inputSchema", $"Schema mismatch for input column '{name}': expected {expected}, got {got}. {whatToDo}");

    /// <summary>
    /// The way from a column of <paramref name="kind"/> with items <paramref name="item"/> to a known-size vector of Single, when
    /// there is a usual one. Keys are categories (their item type is an integer in a <see cref="SchemaShape"/>): converting their
    /// indices to Single would factorize numbering, so they are counted instead.
    /// </summary>
    private static string? WhatToDo(string name, DataViewType item, bool isKey, SchemaShape.Column.VectorKind kind)
    {
        if (isKey)
            return $"The column holds keys (categories), not amounts: turn them into a vector of counts first with mlContext.Transforms.Conversion.MapKeyToVector(\"{name}\", outputCountVector: true).";
        if (item is TextDataViewType)
            return "Turn text into a vector of counts or weights first, for example with mlContext.Transforms.Text.FeaturizeText.";
        bool numeric = item is NumberDataViewType or BooleanDataViewType;
        if (kind == SchemaShape.Column.VectorKind.Scalar && numeric)
            return $"NMF factorizes one vector per row: gather the row's numeric columns into one vector of Single first, for example mlContext.Transforms.Concatenate(\"Features\", \"{name}\", ...), converting columns that are not Single beforehand with mlContext.Transforms.Conversion.ConvertType(name, outputKind: DataKind.Single) (Concatenate takes columns of one type), and give NMF that vector.";
        if (numeric && !item.Equals(NumberDataViewType.Single))
            return $"Convert the column to Single first: mlContext.Transforms.Conversion.ConvertType(\"{name}\", outputKind: DataKind.Single).";
        if (kind == SchemaShape.Column.VectorKind.VariableVector && item.Equals(NumberDataViewType.Single))
            return "Give the column a known size (for a class property, [VectorType(n)]).";
        return null;
    }
}
