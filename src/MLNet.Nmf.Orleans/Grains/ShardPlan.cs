namespace MLNet.Nmf.Orleans.Grains;

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
    /// <summary>E of the data's rescaling (<see cref="Engine.Blocks.NmfBlockScale"/>): the shards fit 2^−E · X; 0 for ordinary data.</summary>
    [Id(8)] public int DataExponent { get; init; }
    /// <summary>H = 2^ComponentsExponent · H' for rescaled data; 0 for ordinary data.</summary>
    [Id(9)] public int ComponentsExponent { get; init; }

    /// <summary>The rescaling these exponents record.</summary>
    internal Engine.Blocks.NmfBlockScale DataScale => Engine.Blocks.NmfBlockScale.FromExponents(DataExponent, ComponentsExponent);
}
