using MLNet.Nmf.Engine.Blocks;

namespace MLNet.Nmf.Orleans.Grains;

/// <summary>A shard's answer to one iteration (or to the start).</summary>
/// <param name="Statistics">W_bᵀW_b, X_bᵀW_b, the violation.</param>
/// <param name="Silo">The silo that computed it.</param>
/// <param name="Restored">True when the shard reloaded its rows and W_b from storage for this step (a fresh activation).</param>
[GenerateSerializer, Immutable]
public sealed record ShardStepResult([property: Id(0)] NmfBlockStatistics Statistics, [property: Id(1)] string Silo, [property: Id(2)] bool Restored);
