using MLNet.Nmf.Orleans.Client;

namespace MLNet.Nmf.Orleans.Grains;

/// <summary>The coordinator's stored state: the request, the phase, the last finished iteration and H after it.</summary>
[GenerateSerializer]
public sealed class FitCheckpoint
{
    /// <summary>The fit as requested.</summary>
    [Id(0)] public NmfClusterFitRequest? Request { get; set; }
    /// <summary>Where the fit is.</summary>
    [Id(1)] public NmfClusterFitPhase Phase { get; set; }
    /// <summary>The last iteration recorded.</summary>
    [Id(3)] public int Iteration { get; set; }
    /// <summary>Hᵀ after <see cref="Iteration"/>, raw little-endian floats.</summary>
    [Id(4)] public byte[] Components { get; set; } = [];
    /// <summary>The objective at the start and after each recorded iteration.</summary>
    [Id(5)] public List<double> LossHistory { get; set; } = [];
    /// <summary>The first iteration's violation (the stopping rule's reference).</summary>
    [Id(6)] public double FirstViolation { get; set; }
    /// <summary>Whether the stopping rule was met.</summary>
    [Id(7)] public bool Converged { get; set; }
    /// <summary>The error that stopped the fit, or null.</summary>
    [Id(8)] public string? Error { get; set; }
    /// <summary>The silo of each shard, as last seen.</summary>
    [Id(9)] public List<string> Placement { get; set; } = [];
    /// <summary>What happened, in order (placements, failures, resumptions).</summary>
    [Id(10)] public List<string> Events { get; set; } = [];
    /// <summary>The recoveries after a lost silo.</summary>
    [Id(11)] public List<NmfClusterResumption> Resumptions { get; set; } = [];
    /// <summary>Payload bytes sent per iteration.</summary>
    [Id(12)] public long BytesPerIteration { get; set; }
    /// <summary>Bytes written to the checkpoint storage per iteration.</summary>
    [Id(13)] public long CheckpointBytesPerIteration { get; set; }
    /// <summary>Wall-clock seconds of each iteration.</summary>
    [Id(14)] public List<double> IterationSeconds { get; set; } = [];
    /// <summary>‖X − WH‖_F / ‖X‖_F once completed.</summary>
    [Id(15)] public double RelativeError { get; set; }
    /// <summary>The features files written.</summary>
    [Id(16)] public List<string> FeaturesPaths { get; set; } = [];
    /// <summary>Number of shards.</summary>
    [Id(17)] public int ShardCount { get; set; }
    /// <summary>What the shards need (set once the shards are loaded).</summary>
    [Id(18)] public ShardPlan? Plan { get; set; }
    /// <summary>Rows of all shards together.</summary>
    [Id(19)] public int Rows { get; set; }
    /// <summary>Non-zeros of all shards together.</summary>
    [Id(20)] public long NonZeros { get; set; }
    /// <summary>‖X‖²_F, the shards' added in order.</summary>
    [Id(21)] public double SquaredNorm { get; set; }
}
