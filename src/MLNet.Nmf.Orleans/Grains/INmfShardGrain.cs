using MLNet.Nmf.Engine.Blocks;

namespace MLNet.Nmf.Orleans.Grains;

/// <summary>
/// One shard of a cluster fit, keyed "fitId/index": it reads its rows once, owns its features W_b, and per
/// iteration runs the engine's block step (<see cref="NmfBlockStep.Update"/>) given H and returns its statistics.
/// W_b is checkpointed after every step, so a new activation on another silo resumes exactly.
/// </summary>
public interface INmfShardGrain : IGrainWithStringKey
{
    /// <summary>Reads and checks the shard; returns its summary and silo.</summary>
    /// <exception cref="NmfShardException">The shard is missing, unreadable or holds bad values (named).</exception>
    Task<ShardLoadResult> Load(ShardAssignment assignment);

    /// <summary>Sets W_b to its random start and returns its statistics (for the starting objective).</summary>
    Task<ShardStepResult> Start(ShardAssignment assignment, ShardPlan plan);

    /// <summary>Iteration <paramref name="iteration"/>: updates W_b (from the checkpoint of iteration − 1 when needed) given H.</summary>
    Task<ShardStepResult> Step(ShardAssignment assignment, ShardPlan plan, int iteration, NmfBlockStepInput input);

    /// <summary>Projects the rows onto the final components (Hᵀ); writes them to <paramref name="featuresDirectory"/> when given.</summary>
    Task<ShardFinishResult> Finish(ShardAssignment assignment, ShardPlan plan, float[] componentsTransposed, string? featuresDirectory);

    /// <summary>Deletes the shard's checkpoint (after the fit completed).</summary>
    Task Clear();
}
