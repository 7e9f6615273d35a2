namespace MLNet.Nmf.Orleans.Client;

/// <summary>One recovery of a cluster fit.</summary>
/// <param name="FailedIteration">The iteration during which a silo (or the coordinator) was lost.</param>
/// <param name="ResumedFrom">The checkpointed iteration the fit resumed from (FailedIteration − 1).</param>
/// <param name="ReassignedShards">Shards whose silo changed, with "old -> new" silo.</param>
[GenerateSerializer, Immutable]
public sealed record NmfClusterResumption([property: Id(0)] int FailedIteration, [property: Id(1)] int ResumedFrom,
    [property: Id(2)] IReadOnlyList<string> ReassignedShards);
