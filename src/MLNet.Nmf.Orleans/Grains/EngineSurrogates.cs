using System.Text.Json;
using MLNet.Nmf.Engine.Sharded;

namespace MLNet.Nmf.Orleans.Grains;

// Orleans serializes the engine's plain records through these surrogates: the engine knows nothing of
// Orleans. Arrays travel as binary (bit for bit); the small plan travels as JSON (doubles round-trip exactly).

[GenerateSerializer]
internal struct PlanSurrogate
{
    [Id(0)] public string Json;
}

[RegisterConverter]
internal sealed class PlanConverter : IConverter<ShardedFitPlan, PlanSurrogate>
{
    public ShardedFitPlan ConvertFromSurrogate(in PlanSurrogate surrogate) => JsonSerializer.Deserialize<ShardedFitPlan>(surrogate.Json)!;
    public PlanSurrogate ConvertToSurrogate(in ShardedFitPlan value) => new() { Json = JsonSerializer.Serialize(value) };
}

[GenerateSerializer]
internal struct BlockSummarySurrogate
{
    [Id(0)] public int Rows;
    [Id(1)] public int Columns;
    [Id(2)] public long NonZeros;
    [Id(3)] public double Sum;
    [Id(4)] public double SquaredNorm;
}

[RegisterConverter]
internal sealed class BlockSummaryConverter : IConverter<BlockSummary, BlockSummarySurrogate>
{
    public BlockSummary ConvertFromSurrogate(in BlockSummarySurrogate s) => new(s.Rows, s.Columns, s.NonZeros, s.Sum, s.SquaredNorm);
    public BlockSummarySurrogate ConvertToSurrogate(in BlockSummary v) =>
        new() { Rows = v.Rows, Columns = v.Columns, NonZeros = v.NonZeros, Sum = v.Sum, SquaredNorm = v.SquaredNorm };
}

[GenerateSerializer]
internal struct BlockStatisticsSurrogate
{
    [Id(0)] public double Violation;
    [Id(1)] public double[] Gram;
    [Id(2)] public float[] Cross;
    [Id(3)] public double FeatureSum;
    [Id(4)] public double FeatureSquares;
}

[RegisterConverter]
internal sealed class BlockStatisticsConverter : IConverter<BlockStatistics, BlockStatisticsSurrogate>
{
    public BlockStatistics ConvertFromSurrogate(in BlockStatisticsSurrogate s) => new(s.Violation, s.Gram, s.Cross, s.FeatureSum, s.FeatureSquares);
    public BlockStatisticsSurrogate ConvertToSurrogate(in BlockStatistics v) =>
        new() { Violation = v.Violation, Gram = v.Gram, Cross = v.Cross, FeatureSum = v.FeatureSum, FeatureSquares = v.FeatureSquares };
}

[GenerateSerializer]
internal struct ComponentsBroadcastSurrogate
{
    [Id(0)] public float[] Transposed;
    [Id(1)] public double[] Gram;
}

[RegisterConverter]
internal sealed class ComponentsBroadcastConverter : IConverter<ComponentsBroadcast, ComponentsBroadcastSurrogate>
{
    public ComponentsBroadcast ConvertFromSurrogate(in ComponentsBroadcastSurrogate s) => new(s.Transposed, s.Gram);
    public ComponentsBroadcastSurrogate ConvertToSurrogate(in ComponentsBroadcast v) => new() { Transposed = v.Transposed, Gram = v.Gram };
}
