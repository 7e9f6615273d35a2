namespace MLNet.Nmf.Orleans.Placement;

/// <summary>
/// Places shard grains (keyed "fitId/index") round-robin over the live silos, ordered by address: shard i goes to
/// silo i mod count, so every silo owns shards when there are at least as many shards as silos. When a silo dies,
/// its shards are placed the same way over the silos that remain.
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class ShardSpreadPlacement : PlacementStrategy
{
    /// <summary>The one instance.</summary>
    public static ShardSpreadPlacement Instance { get; } = new();
}
