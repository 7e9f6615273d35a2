using MLNet.Nmf.Engine.Sharded;

namespace MLNet.Nmf.Orleans.Grains;

/// <summary>Which shard a shard grain serves: enough for a fresh activation on any silo to load it.</summary>
/// <param name="FitId">The fit.</param>
/// <param name="ManifestPath">The manifest (a path every silo can read).</param>
/// <param name="Index">The shard's index in the manifest.</param>
[GenerateSerializer, Immutable]
public sealed record ShardAssignment([property: Id(0)] string FitId, [property: Id(1)] string ManifestPath, [property: Id(2)] int Index);

/// <summary>A shard's answer to <see cref="INmfShardGrain.Load"/>.</summary>
/// <param name="Summary">Size and sums of the shard.</param>
/// <param name="Silo">The silo that holds it.</param>
[GenerateSerializer, Immutable]
public sealed record ShardLoadResult([property: Id(0)] BlockSummary Summary, [property: Id(1)] string Silo);

/// <summary>A shard's answer to one iteration.</summary>
/// <param name="Statistics">W_bᵀW_b, X_bᵀW_b, the violation.</param>
/// <param name="Silo">The silo that computed it.</param>
/// <param name="Restored">True when the shard reloaded its rows and W_b from storage for this step (a fresh activation).</param>
[GenerateSerializer, Immutable]
public sealed record ShardStepResult([property: Id(0)] BlockStatistics Statistics, [property: Id(1)] string Silo, [property: Id(2)] bool Restored);

/// <summary>A shard's answer to the final projection.</summary>
/// <param name="SquaredError">‖X_b − W_b H‖²_F.</param>
/// <param name="Silo">The silo that computed it.</param>
/// <param name="FeaturesPath">The features file written, or null.</param>
[GenerateSerializer, Immutable]
public sealed record ShardFinishResult([property: Id(0)] double SquaredError, [property: Id(1)] string Silo, [property: Id(2)] string? FeaturesPath);
