using MLNet.Nmf.Engine.Blocks;

namespace MLNet.Nmf.Orleans.Grains;

/// <summary>
/// One shard of a cluster fit, keyed "fitId/index": it reads its rows once, owns its features W_b, and per
/// iteration runs the engine's block step (<see cref="NmfBlockStep.Update"/>) given H and returns its statistics.
/// W_b is checkpointed after every step, so a new activation on another silo resumes exactly.
/// </summary>
/// <remarks>
/// A call may run longer than Orleans' response timeout (30 s by default): a big shard's step, and above all its final
/// projection, can take minutes. Timed out, the call would be sent again behind the one still running, time out again,
/// and so on until <see cref="NmfFitGrain.RecoveryTimeout"/> failed the fit; so these calls wait up to
/// <see cref="ShardCallTimeout"/>. A silo that dies fails its calls as soon as the cluster declares it dead.
/// </remarks>
public interface INmfShardGrain : IGrainWithStringKey
{
    /// <summary>How long the coordinator waits for one shard call (six hours): a lost silo is noticed by the cluster's membership, not by this.</summary>
    internal const string ShardCallTimeout = "06:00:00";

    /// <summary>Reads and checks the shard; returns its summary and silo.</summary>
    /// <exception cref="NmfShardException">The shard is missing, unreadable or holds bad values (named).</exception>
    [ResponseTimeout(ShardCallTimeout)]
    Task<ShardLoadResult> Load(ShardAssignment assignment);

    /// <summary>Sets W_b to its random start and returns its statistics (for the starting objective).</summary>
    [ResponseTimeout(ShardCallTimeout)]
    Task<ShardStepResult> Start(ShardAssignment assignment, ShardPlan plan);

    /// <summary>Iteration <paramref name="iteration"/>: updates W_b (from the checkpoint of iteration − 1 when needed) given H.</summary>
    [ResponseTimeout(ShardCallTimeout)]
    Task<ShardStepResult> Step(ShardAssignment assignment, ShardPlan plan, int iteration, NmfBlockStepInput input);

    /// <summary>Projects the rows onto the final components (Hᵀ); writes them to <paramref name="featuresDirectory"/> when given.</summary>
    [ResponseTimeout(ShardCallTimeout)]
    Task<ShardFinishResult> Finish(ShardAssignment assignment, ShardPlan plan, float[] componentsTransposed, string? featuresDirectory);

    /// <summary>Deletes the shard's checkpoint (after the fit completed).</summary>
    Task Clear();
}
