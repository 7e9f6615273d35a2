using MLNet.Nmf.Orleans.Client;

namespace MLNet.Nmf.Orleans.Grains;

/// <summary>The coordinator's stored state: the request, the phase, the last finished iteration and H after it.</summary>
[GenerateSerializer]
public sealed class FitCheckpoint
{
    [Id(0)] public NmfClusterFitRequest? Request { get; set; }
    [Id(1)] public NmfClusterFitPhase Phase { get; set; }
    [Id(3)] public int Iteration { get; set; }
    /// <summary>Hᵀ after <see cref="Iteration"/>, raw little-endian floats.</summary>
    [Id(4)] public byte[] Components { get; set; } = [];
    [Id(5)] public List<double> LossHistory { get; set; } = [];
    [Id(6)] public double FirstViolation { get; set; }
    [Id(7)] public bool Converged { get; set; }
    [Id(8)] public string? Error { get; set; }
    [Id(9)] public List<string> Placement { get; set; } = [];
    [Id(10)] public List<string> Events { get; set; } = [];
    [Id(11)] public List<NmfClusterResumption> Resumptions { get; set; } = [];
    [Id(12)] public long BytesPerIteration { get; set; }
    [Id(13)] public long CheckpointBytesPerIteration { get; set; }
    [Id(14)] public List<double> IterationSeconds { get; set; } = [];
    [Id(15)] public double RelativeError { get; set; }
    [Id(16)] public List<string> FeaturesPaths { get; set; } = [];
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
