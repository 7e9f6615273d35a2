namespace MLNet.Nmf.Orleans.Grains;

/// <summary>
/// A shard's stored features: the last two iterations' W_b (raw little-endian floats), so that a step can
/// always restart from iteration t − 1 whether or not the coordinator had recorded iteration t.
/// </summary>
[GenerateSerializer]
public sealed class ShardCheckpoint
{
    /// <summary>Iteration of <see cref="FeaturesA"/>, -1 when empty.</summary>
    [Id(0)] public int IterationA { get; set; } = -1;
    /// <summary>W_b after <see cref="IterationA"/>.</summary>
    [Id(1)] public byte[] FeaturesA { get; set; } = [];
    /// <summary>Iteration of <see cref="FeaturesB"/>, -1 when empty.</summary>
    [Id(2)] public int IterationB { get; set; } = -1;
    /// <summary>W_b after <see cref="IterationB"/>.</summary>
    [Id(3)] public byte[] FeaturesB { get; set; } = [];
    /// <summary>SHA-256 of the shard's rows as the fit read them (hex): a shard that changed under the fit is refused on resume.</summary>
    [Id(4)] public string ShardSha256 { get; set; } = "";
}
