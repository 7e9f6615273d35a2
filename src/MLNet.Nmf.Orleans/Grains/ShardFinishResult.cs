using MLNet.Nmf.Engine.Blocks;

namespace MLNet.Nmf.Orleans.Grains;

/// <summary>A shard's answer to the final projection.</summary>
[GenerateSerializer, Immutable]
public sealed record ShardFinishResult([property: Id(0)] NmfBlockEvaluation Evaluation, [property: Id(1)] string Silo, [property: Id(2)] string? FeaturesPath);
