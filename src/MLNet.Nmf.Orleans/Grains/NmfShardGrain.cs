using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Nmf.Engine.Sharded;
using MLNet.Nmf.Orleans.Data;
using MLNet.Nmf.Orleans.Hosting;
using MLNet.Nmf.Orleans.Placement;

namespace MLNet.Nmf.Orleans.Grains;

/// <summary>The shard grain: see <see cref="INmfShardGrain"/>. Placed one shard per silo in turn (<see cref="ShardSpreadPlacementAttribute"/>).</summary>
[ShardSpreadPlacement]
public sealed class NmfShardGrain : Grain, INmfShardGrain
{
    private readonly IPersistentState<ShardCheckpoint> _checkpoint;
    private readonly ILocalSiloDetails _silo;
    private readonly ILogger<NmfShardGrain> _log;
    private RowBlock? _block;
    private int _featuresIteration = -1;

    /// <summary>Created by Orleans.</summary>
    public NmfShardGrain(
        [PersistentState("features", NmfCluster.CheckpointStorageName)] IPersistentState<ShardCheckpoint> checkpoint,
        ILocalSiloDetails silo, ILogger<NmfShardGrain> log)
    {
        _checkpoint = checkpoint;
        _silo = silo;
        _log = log;
    }

    private string Silo => _silo.SiloAddress.ToString();

    /// <inheritdoc />
    public async Task<ShardLoadResult> Load(ShardAssignment assignment)
    {
        var block = await EnsureLoaded(assignment);
        _log.LogInformation("NMF shard {Index} of fit {FitId}: {Rows} rows, {NonZeros} non-zeros, on silo {Silo}.",
            assignment.Index, assignment.FitId, block.Summary.Rows, block.Summary.NonZeros, Silo);
        return new ShardLoadResult(block.Summary, Silo);
    }

    /// <inheritdoc />
    public async Task<ShardStepResult> Start(ShardAssignment assignment, ShardedFitPlan plan)
    {
        var block = await EnsureLoaded(assignment);
        block.InitializeFeatures(plan);
        _featuresIteration = 0;
        var statistics = await Task.Run(() => block.Statistics(plan));
        return new ShardStepResult(statistics, Silo, Restored: false);
    }

    /// <inheritdoc />
    public async Task<ShardStepResult> Step(ShardAssignment assignment, ShardedFitPlan plan, int iteration, ComponentsBroadcast components)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iteration, 1);
        bool restored = _block is null || _featuresIteration != iteration - 1;
        var block = await EnsureLoaded(assignment);
        if (_featuresIteration != iteration - 1)
            Restore(block, plan, iteration - 1, assignment);
        var statistics = await Task.Run(() => block.Update(plan, components));
        _featuresIteration = iteration;
        await Save(block, plan, iteration);
        if (restored)
            _log.LogWarning("NMF shard {Index} of fit {FitId}: restored on silo {Silo} from the checkpoint of iteration {Iteration}.",
                assignment.Index, assignment.FitId, Silo, iteration - 1);
        return new ShardStepResult(statistics, Silo, restored);
    }

    /// <inheritdoc />
    public async Task<ShardFinishResult> Finish(ShardAssignment assignment, ShardedFitPlan plan, ComponentsBroadcast components, string? featuresDirectory)
    {
        var block = await EnsureLoaded(assignment);
        var (features, squared) = await Task.Run(() => block.Project(plan, components));
        string? path = null;
        if (featuresDirectory is not null)
            path = await Task.Run(() => WriteFeatures(features, block.FirstRow, plan.Rank, featuresDirectory, assignment.Index));
        return new ShardFinishResult(squared, Silo, path);
    }

    /// <inheritdoc />
    public async Task Clear()
    {
        await _checkpoint.ClearStateAsync();
        DeactivateOnIdle();
    }

    private async Task<RowBlock> EnsureLoaded(ShardAssignment assignment)
    {
        if (_block is not null)
            return _block;
        var manifest = ShardManifest.Load(assignment.ManifestPath);
        if (assignment.Index < 0 || assignment.Index >= manifest.Shards.Count)
            throw new NmfShardException($"Shard {assignment.Index} does not exist: the manifest '{assignment.ManifestPath}' lists {manifest.Shards.Count}.");
        var rows = await Task.Run(() => ShardReader.Read(manifest, assignment.ManifestPath, assignment.Index));
        _block = new RowBlock(rows, manifest.FirstRow(assignment.Index)) { DegreeOfParallelism = NmfCluster.ShardDegreeOfParallelism };
        return _block;
    }

    private void Restore(RowBlock block, ShardedFitPlan plan, int iteration, ShardAssignment assignment)
    {
        if (iteration == 0)
        {
            block.InitializeFeatures(plan); // the random start is a function of the seed and the shard's rows
        }
        else
        {
            var c = _checkpoint.State;
            byte[] bytes = c.IterationA == iteration ? c.FeaturesA : c.IterationB == iteration ? c.FeaturesB
                : throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"Shard {assignment.Index} of fit {assignment.FitId} has no checkpoint of iteration {iteration} (it holds {c.IterationA} and {c.IterationB}); the fit cannot resume exactly."));
            block.ImportFeatures(MemoryMarshal.Cast<byte, float>(bytes), plan.Rank);
        }
        _featuresIteration = iteration;
    }

    private async Task Save(RowBlock block, ShardedFitPlan plan, int iteration)
    {
        var c = _checkpoint.State;
        byte[] bytes = MemoryMarshal.AsBytes(block.ExportFeatures(plan.Rank).AsSpan()).ToArray();
        // Keep the slot holding iteration − 1; overwrite the other.
        if (c.IterationA == iteration - 1)
            (c.IterationB, c.FeaturesB) = (iteration, bytes);
        else
            (c.IterationA, c.FeaturesA) = (iteration, bytes);
        await _checkpoint.WriteStateAsync();
    }

    private static string WriteFeatures(Engine.Matrices.DenseMatrix features, long firstRow, int rank, string directory, int index)
    {
        Directory.CreateDirectory(directory);
        var rows = new FeatureRow[features.Rows];
        var values = features.Values;
        for (int i = 0; i < rows.Length; i++)
            rows[i] = new FeatureRow { Row = firstRow + i, Features = values.Slice(i * rank, rank).ToArray() };
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
