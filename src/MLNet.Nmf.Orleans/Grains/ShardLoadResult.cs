namespace MLNet.Nmf.Orleans.Grains;

/// <summary>A shard's answer to <see cref="INmfShardGrain.Load"/>.</summary>
[GenerateSerializer, Immutable]
public sealed record ShardLoadResult([property: Id(0)] ShardSummary Summary, [property: Id(1)] string Silo);
