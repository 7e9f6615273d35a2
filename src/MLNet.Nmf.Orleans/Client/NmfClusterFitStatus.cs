namespace MLNet.Nmf.Orleans.Client;

/// <summary>A snapshot of a cluster fit, as the coordinator grain reports it.</summary>
[GenerateSerializer, Immutable]
public sealed record NmfClusterFitStatus
{
    /// <summary>The fit's id.</summary>
    [Id(0)] public string FitId { get; init; } = "";
    /// <summary>The phase.</summary>
    [Id(1)] public NmfClusterFitPhase Phase { get; init; }
    /// <summary>The last iteration recorded in the checkpoint.</summary>
    [Id(2)] public int Iteration { get; init; }
    /// <summary>The iteration limit.</summary>
    [Id(3)] public int MaxIterations { get; init; }
    /// <summary>The objective at the start and after each recorded iteration.</summary>
    [Id(4)] public IReadOnlyList<double> LossHistory { get; init; } = [];
    /// <summary>The error that stopped the fit (it names the shard, row and slot for bad input), or null.</summary>
    [Id(5)] public string? Error { get; init; }
    /// <summary>The silo of each shard (the latest one seen), in shard order.</summary>
    [Id(6)] public IReadOnlyList<string> Placement { get; init; } = [];
    /// <summary>What happened: placements, failures, resumptions, reassignments, in order.</summary>
    [Id(7)] public IReadOnlyList<string> Events { get; init; } = [];
    /// <summary>Resumptions after a failure: (iteration that failed, iteration resumed from, shards reassigned).</summary>
    [Id(8)] public IReadOnlyList<NmfClusterResumption> Resumptions { get; init; } = [];
    /// <summary>Bytes of payload sent per iteration (H to every shard, the statistics back), excluding Orleans' headers.</summary>
    [Id(9)] public long BytesPerIteration { get; init; }
    /// <summary>Bytes written to the checkpoint storage per iteration (every shard's W and H).</summary>
    [Id(10)] public long CheckpointBytesPerIteration { get; init; }
    /// <summary>Wall-clock seconds of each recorded iteration (the iterations redone after a failure included).</summary>
    [Id(11)] public IReadOnlyList<double> IterationSeconds { get; init; } = [];
    /// <summary>True when the tolerance stopped the fit.</summary>
    [Id(12)] public bool Converged { get; init; }
    /// <summary>‖X − WH‖_F / ‖X‖_F once completed.</summary>
    [Id(13)] public double RelativeError { get; init; }
    /// <summary>The model zip, once completed.</summary>
    [Id(14)] public string? ModelPath { get; init; }
    /// <summary>The features files written, once completed (when asked for).</summary>
    [Id(15)] public IReadOnlyList<string> FeaturesPaths { get; init; } = [];
}
