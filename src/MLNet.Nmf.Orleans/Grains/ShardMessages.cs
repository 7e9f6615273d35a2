using MLNet.Nmf.Engine.Blocks;

namespace MLNet.Nmf.Orleans.Grains;

/// <summary>Which shard a shard grain serves: enough for a fresh activation on any silo to load it.</summary>
/// <param name="FitId">The fit.</param>
/// <param name="ManifestPath">The manifest (a path every silo can read).</param>
/// <param name="Index">The shard's index in the manifest.</param>
[GenerateSerializer, Immutable]
public sealed record ShardAssignment([property: Id(0)] string FitId, [property: Id(1)] string ManifestPath, [property: Id(2)] int Index);

/// <summary>Size and sums of one shard.</summary>
[GenerateSerializer, Immutable]
public sealed record ShardSummary([property: Id(0)] int Rows, [property: Id(1)] int Columns, [property: Id(2)] long NonZeros,
    [property: Id(3)] double Sum, [property: Id(4)] double SquaredNorm, [property: Id(5)] long FirstRow);

/// <summary>The constants a shard needs from the coordinator: the start and the penalty on W.</summary>
[GenerateSerializer, Immutable]
public sealed record ShardPlan
{
    /// <summary>k.</summary>
    [Id(0)] public required int Rank { get; init; }
    /// <summary>n.</summary>
    [Id(1)] public required int Columns { get; init; }
    /// <summary>The seed of the random start.</summary>
    [Id(2)] public required int Seed { get; init; }
    /// <summary>The random start's scale sqrt(mean(X) / k).</summary>
    [Id(3)] public required double Scale { get; init; }
    /// <summary>Scaled L1 on W.</summary>
    [Id(4)] public required double PenaltyL1 { get; init; }
    /// <summary>Scaled L2 on W.</summary>
    [Id(5)] public required double PenaltyL2 { get; init; }
    /// <summary>Relative tolerance of the final projection.</summary>
    [Id(6)] public required double ProjectionTolerance { get; init; }
    /// <summary>Maximum sweeps of the final projection.</summary>
    [Id(7)] public required int ProjectionMaxIterations { get; init; }
}

/// <summary>A shard's answer to <see cref="INmfShardGrain.Load"/>.</summary>
[GenerateSerializer, Immutable]
public sealed record ShardLoadResult([property: Id(0)] ShardSummary Summary, [property: Id(1)] string Silo);

/// <summary>A shard's answer to one iteration (or to the start).</summary>
/// <param name="Statistics">W_bᵀW_b, X_bᵀW_b, the violation.</param>
/// <param name="Silo">The silo that computed it.</param>
/// <param name="Restored">True when the shard reloaded its rows and W_b from storage for this step (a fresh activation).</param>
[GenerateSerializer, Immutable]
public sealed record ShardStepResult([property: Id(0)] NmfBlockStatistics Statistics, [property: Id(1)] string Silo, [property: Id(2)] bool Restored);

/// <summary>A shard's answer to the final projection.</summary>
[GenerateSerializer, Immutable]
public sealed record ShardFinishResult([property: Id(0)] NmfBlockEvaluation Evaluation, [property: Id(1)] string Silo, [property: Id(2)] string? FeaturesPath);
