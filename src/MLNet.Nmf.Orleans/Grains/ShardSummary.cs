namespace MLNet.Nmf.Orleans.Grains;

/// <summary>Size and sums of one shard, and its largest value (which decides, over all shards, whether the fit rescales the data).</summary>
[GenerateSerializer, Immutable]
public sealed record ShardSummary([property: Id(0)] int Rows, [property: Id(1)] int Columns, [property: Id(2)] long NonZeros,
    [property: Id(3)] double Sum, [property: Id(4)] double SquaredNorm, [property: Id(5)] long FirstRow,
    [property: Id(6)] float Largest = 0);
