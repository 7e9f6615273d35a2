using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Blocks;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Solvers;
using MLNet.Nmf.Orleans.Data;
using MLNet.Nmf.Orleans.Hosting;
using MLNet.Nmf.Orleans.Placement;
using MLNet.Nmf.Orleans.Storage;

namespace MLNet.Nmf.Orleans.Grains;

/// <summary>The shard grain: see <see cref="INmfShardGrain"/>. Placed one shard per silo in turn (<see cref="ShardSpreadPlacementAttribute"/>).</summary>
[ShardSpreadPlacement]
public sealed class NmfShardGrain : Grain, INmfShardGrain
{
    private readonly StoredState<ShardCheckpoint> _checkpoint;
    private readonly ILocalSiloDetails _silo;
    private readonly ILogger<NmfShardGrain> _log;
    private NmfBlockStep? _step;
    private int _stepExponent; // the step holds 2^−_stepExponent · X (the plan's rescaling; 0 before a plan and for ordinary data)
    private float _largest;
    private float[]? _features;
    private long _firstRow;
    private string _rowsSha256 = "";
    private int _featuresIteration = -1;

    /// <summary>Created by Orleans.</summary>
    public NmfShardGrain(IGrainContext context, ILocalSiloDetails silo, ILogger<NmfShardGrain> log)
    {
        _checkpoint = new StoredState<ShardCheckpoint>(context, "features");
        _silo = silo;
        _log = log;
    }

    private string Silo => _silo.SiloAddress.ToParsableString();

    /// <inheritdoc />
    public async Task<ShardLoadResult> Load(ShardAssignment assignment)
    {
        var step = await EnsureLoaded(assignment, 0);
        _log.LogInformation("NMF shard {Index} of fit {FitId}: {Rows} rows, {NonZeros} non-zeros, on silo {Silo}.",
            assignment.Index, assignment.FitId, step.Rows, step.NonZeroCount, Silo);
        return new ShardLoadResult(new ShardSummary(step.Rows, step.Columns, step.NonZeroCount, step.Sum, step.SquaredNorm, _firstRow, _largest), Silo);
    }

    /// <inheritdoc />
    public async Task<ShardStepResult> Start(ShardAssignment assignment, ShardPlan plan)
    {
        var step = await EnsureLoaded(assignment, plan.DataExponent);
        _features = NmfBlockStart.RandomFeatures(plan.Seed, plan.Rank, plan.Columns, _firstRow, step.Rows, plan.Scale);
        _featuresIteration = 0;
        var features = _features;
        var statistics = await Task.Run(() => step.Measure(features, plan.Rank, PenaltyW(plan), Degree));
        return new ShardStepResult(statistics, Silo, Restored: false);
    }

    /// <inheritdoc />
    public async Task<ShardStepResult> Step(ShardAssignment assignment, ShardPlan plan, int iteration, NmfBlockStepInput input)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iteration, 1);
        ArgumentNullException.ThrowIfNull(input);
        bool restored = _step is null || _featuresIteration != iteration - 1;
        var step = await EnsureLoaded(assignment, plan.DataExponent);
        if (!_checkpoint.IsRead)
            await ReadCheckpoint(assignment);
        if (_featuresIteration != iteration - 1)
            Restore(step, plan, iteration - 1, assignment);
        var features = _features!;
        _featuresIteration = -1; // W_b is being changed: until the step completes, no iteration's features are held
        var statistics = await Task.Run(() => step.Update(features, input, Degree));
        _featuresIteration = iteration;
        await Save(step, plan, iteration);
        if (restored)
            _log.LogWarning("NMF shard {Index} of fit {FitId}: restored on silo {Silo} from the checkpoint of iteration {Iteration}.",
                assignment.Index, assignment.FitId, Silo, iteration - 1);
        return new ShardStepResult(statistics, Silo, restored);
    }

    /// <inheritdoc />
    public async Task<ShardFinishResult> Finish(ShardAssignment assignment, ShardPlan plan, float[] componentsTransposed, string? featuresDirectory)
    {
        var step = await EnsureLoaded(assignment, plan.DataExponent);
        var projector = NmfEngine.CreateProjector(Components(componentsTransposed, plan), 2.0, PenaltyW(plan), plan.ProjectionTolerance, plan.ProjectionMaxIterations);
        var features = step.CreateFeatures(plan.Rank);
        var evaluation = await Task.Run(() => step.Project(projector, features, PenaltyW(plan), Degree));
        string? path = null;
        if (featuresDirectory is not null && plan.DataExponent != 0)
        {
            // As NmfEngine.FitBlocks: the error is the rescaled fit's, W the original rows projected onto H = 2^e · H'
            // (the cluster fits without penalties, so the scaled and the original penalty are both zero).
            var scale = plan.DataScale;
            var h = new DenseMatrix(plan.Rank, plan.Columns, scale.UnscaleComponents(Components(componentsTransposed, plan).Values, plan.Rank, plan.Columns));
            var original = await EnsureLoaded(assignment, 0);
            var unscaled = NmfEngine.CreateProjector(h, 2.0, PenaltyW(plan), plan.ProjectionTolerance, plan.ProjectionMaxIterations);
            features = original.CreateFeatures(plan.Rank);
            var into = features;
            await Task.Run(() => original.Project(unscaled, into, PenaltyW(plan), Degree));
        }
        if (featuresDirectory is not null)
        {
            long firstRow = _firstRow;
            try
            {
                path = await Task.Run(() => WriteFeatures(features, step.Rows, firstRow, plan.Rank, featuresDirectory, assignment.Index));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
            {
                // Not a lost silo: every retry would fail the same way (NmfShardException is not retried).
                throw new NmfShardException(string.Create(CultureInfo.InvariantCulture,
                    $"Shard {assignment.Index}'s features could not be written to '{featuresDirectory}': {e.Message} Set FeaturesDirectory to a folder every silo can create and write, or leave it unset."), e);
            }
        }
        return new ShardFinishResult(evaluation, Silo, path);
    }

    /// <inheritdoc />
    public async Task Clear()
    {
        if (!_checkpoint.IsRead)
        {
            try { await _checkpoint.ReadAsync(); }
            catch (Exception e) when (e is InvalidDataException or CheckpointStorageException) { } // removed all the same (or nothing to remove)
        }
        await _checkpoint.ClearAsync();
        DeactivateOnIdle();
    }

    /// <summary>H (k x n) from Hᵀ (n x k, padded).</summary>
    internal static DenseMatrix Components(float[] componentsTransposed, ShardPlan plan)
    {
        int k = plan.Rank, n = plan.Columns;
        var h = new float[checked(k * n)];
        for (int j = 0; j < n; j++)
            for (int t = 0; t < k; t++)
                h[t * n + j] = componentsTransposed[j * k + t];
        return new DenseMatrix(k, n, h);
    }

    private static Penalty PenaltyW(ShardPlan plan) => new(plan.PenaltyL1, plan.PenaltyL2);

    private static int Degree => NmfCluster.ShardDegreeOfParallelism;

    /// <summary>The shard's rows as a block step, 2^−<paramref name="exponent"/> · X (read again when another scale is asked for).</summary>
    private async Task<NmfBlockStep> EnsureLoaded(ShardAssignment assignment, int exponent)
    {
        if (_step is not null && _stepExponent == exponent)
            return _step;
        _step = null; // one copy of the shard at a time
        var manifest = ShardManifest.Load(assignment.ManifestPath);
        if (assignment.Index < 0 || assignment.Index >= manifest.Shards.Count)
            throw new NmfShardException($"Shard {assignment.Index} does not exist: the manifest '{assignment.ManifestPath}' lists {manifest.Shards.Count}.");
        var rows = await Task.Run(() => ShardReader.Read(manifest, assignment.ManifestPath, assignment.Index));
        _firstRow = manifest.FirstRow(assignment.Index);
        _largest = NmfBlockScale.Largest(rows);
        _rowsSha256 = Sha256(rows);
        _step = new NmfBlockStep(exponent == 0 ? rows : NmfBlockScale.FromExponents(exponent, 0).Apply(rows));
        _stepExponent = exponent;
        return _step;
    }

    private void Restore(NmfBlockStep step, ShardPlan plan, int iteration, ShardAssignment assignment)
    {
        if (iteration == 0)
        {
            // The random start is a function of the seed and the shard's first row.
            _features = NmfBlockStart.RandomFeatures(plan.Seed, plan.Rank, plan.Columns, _firstRow, step.Rows, plan.Scale);
        }
        else
        {
            var c = _checkpoint.State;
            byte[] bytes = c.IterationA == iteration ? c.FeaturesA : c.IterationB == iteration ? c.FeaturesB
                : throw new NmfShardException(string.Create(CultureInfo.InvariantCulture,
                    $"Shard {assignment.Index} of fit {assignment.FitId} has no checkpoint of iteration {iteration} (its stored state holds iterations {c.IterationA} and {c.IterationB}), so the fit cannot resume exactly. {CheckpointAdvice}"));
            var stored = MemoryMarshal.Cast<byte, float>(bytes);
            if (stored.Length != (long)step.Rows * plan.Rank)
                throw new NmfShardException(string.Create(CultureInfo.InvariantCulture,
                    $"Shard {assignment.Index} of fit {assignment.FitId}: its checkpoint of iteration {iteration} holds {stored.Length} values, but its {step.Rows} rows at rank {plan.Rank} need {(long)step.Rows * plan.Rank}; the shard changed under the fit. {CheckpointAdvice}"));
            _features = step.CreateFeatures(plan.Rank);
            stored.CopyTo(_features);
        }
        _featuresIteration = iteration;
    }

    private const string CheckpointAdvice =
        "Every silo must reach the same checkpoint storage (AddNmfFileCheckpoints on a shared folder, or Redis), and neither it nor the shards may change while the fit runs. Start the fit again under a new fit id.";

    /// <summary>
    /// Reads the stored W_b once per activation; a checkpoint the storage refuses ends the fit with its message (naming the
    /// file), and so does a shard whose rows are not the ones the checkpoint was made from (the file was replaced mid-fit).
    /// </summary>
    private async Task ReadCheckpoint(ShardAssignment assignment)
    {
        try
        {
            await _checkpoint.ReadAsync();
        }
        catch (Exception e) when (e is InvalidDataException or CheckpointStorageException)
        {
            throw new NmfShardException(e is InvalidDataException
                ? string.Create(CultureInfo.InvariantCulture, $"Shard {assignment.Index} of fit {assignment.FitId} cannot resume, so the fit stops: {e.Message} Delete the file and start the fit again under a new fit id.")
                : e.Message, e);
        }
        string recorded = _checkpoint.State.ShardSha256;
        if (recorded.Length > 0 && recorded != _rowsSha256)
        {
            string path = ShardManifest.Load(assignment.ManifestPath).ShardPath(assignment.ManifestPath, assignment.Index);
            throw new NmfShardException(string.Create(CultureInfo.InvariantCulture,
                $"Shard {assignment.Index} ('{path}') of fit {assignment.FitId} changed since the fit read it: the SHA-256 of its rows differs from the one its checkpoint recorded, so the fit cannot resume exactly and stops. Start it again under a new fit id."));
        }
    }

    /// <summary>SHA-256 (hex) of the rows' CSR arrays: sizes, row pointers, column indices, values.</summary>
    private static string Sha256(Engine.Matrices.CsrMatrix rows)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        Span<int> sizes = [rows.Rows, rows.Columns];
        hash.AppendData(MemoryMarshal.AsBytes(sizes));
        hash.AppendData(MemoryMarshal.AsBytes(rows.RowPointers));
        hash.AppendData(MemoryMarshal.AsBytes(rows.ColumnIndices));
        hash.AppendData(MemoryMarshal.AsBytes(rows.Values));
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    private async Task Save(NmfBlockStep step, ShardPlan plan, int iteration)
    {
        var c = _checkpoint.State;
        c.ShardSha256 = _rowsSha256;
        byte[] bytes = MemoryMarshal.AsBytes(_features.AsSpan(0, step.Rows * plan.Rank)).ToArray();
        // Keep the slot holding iteration − 1; overwrite the other.
        if (c.IterationA == iteration - 1)
            (c.IterationB, c.FeaturesB) = (iteration, bytes);
        else
            (c.IterationA, c.FeaturesA) = (iteration, bytes);
        await _checkpoint.WriteAsync();
    }

    private static string WriteFeatures(float[] features, int count, long firstRow, int rank, string directory, int index)
    {
        Directory.CreateDirectory(directory);
        var rows = new FeatureRow[count];
        for (int i = 0; i < rows.Length; i++)
            rows[i] = new FeatureRow { Row = firstRow + i, Features = features.AsSpan(i * rank, rank).ToArray() };
        var ml = new MLContext(seed: 0);
        var schema = SchemaDefinition.Create(typeof(FeatureRow));
        schema[nameof(FeatureRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, rank);
        var view = ml.Data.LoadFromEnumerable(rows, schema);
        string path = Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"features-{index:D3}.idv"));
        string temporary = path + ".tmp";
        using (var stream = File.Create(temporary))
            ml.Data.SaveAsBinary(view, stream, keepHidden: false);
        File.Move(temporary, path, overwrite: true);
        return path;
    }

    private sealed class FeatureRow
    {
        public long Row { get; set; }
        public float[] Features { get; set; } = [];
    }
}
