namespace MLNet.Nmf.Orleans.Grains;

/// <summary>Which shard a shard grain serves: enough for a fresh activation on any silo to load it.</summary>
/// <param name="FitId">The fit.</param>
/// <param name="ManifestPath">The manifest (a path every silo can read).</param>
/// <param name="Index">The shard's index in the manifest.</param>
[GenerateSerializer, Immutable]
public sealed record ShardAssignment([property: Id(0)] string FitId, [property: Id(1)] string ManifestPath, [property: Id(2)] int Index);
