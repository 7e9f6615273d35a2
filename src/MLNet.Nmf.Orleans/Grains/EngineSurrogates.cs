using MLNet.Nmf.Engine.Blocks;
using MLNet.Nmf.Engine.Solvers;

namespace MLNet.Nmf.Orleans.Grains;

// Orleans serializes the engine's block-step types through these surrogates (the engine knows nothing of
// Orleans). Arrays travel as binary, bit for bit.

[GenerateSerializer]
internal struct BlockStatisticsSurrogate
{
    [Id(0)] public int Rank;
    [Id(1)] public int Columns;
    [Id(2)] public long Rows;
    [Id(3)] public double[] Gram;
    /// <summary>X_bᵀW_b of one block: float products widened to double, so sent as float (exact) when possible.</summary>
    [Id(4)] public float[]? CrossProductSingle;
    [Id(5)] public double[]? CrossProductDouble;
    [Id(6)] public double Violation;
    [Id(7)] public double DataSquaredNorm;
    [Id(8)] public double FeatureSum;
    [Id(9)] public double FeatureSquares;
}

[RegisterConverter]
internal sealed class BlockStatisticsConverter : IConverter<NmfBlockStatistics, BlockStatisticsSurrogate>
{
    public NmfBlockStatistics ConvertFromSurrogate(in BlockStatisticsSurrogate s)
    {
        double[] cross = s.CrossProductDouble ?? Widen(s.CrossProductSingle!);
        return new NmfBlockStatistics(s.Rank, s.Columns, s.Rows, s.Gram, cross, s.Violation, s.DataSquaredNorm, s.FeatureSum, s.FeatureSquares);
    }

    public BlockStatisticsSurrogate ConvertToSurrogate(in NmfBlockStatistics v)
    {
        var single = TryNarrow(v.CrossProduct);
        return new BlockStatisticsSurrogate
        {
            Rank = v.Rank, Columns = v.Columns, Rows = v.Rows, Gram = v.Gram,
            CrossProductSingle = single, CrossProductDouble = single is null ? v.CrossProduct : null,
            Violation = v.Violation, DataSquaredNorm = v.DataSquaredNorm, FeatureSum = v.FeatureSum, FeatureSquares = v.FeatureSquares,
        };
    }

    /// <summary>The payload bytes of one block's statistics as sent.</summary>
    public static long PayloadBytes(NmfBlockStatistics v) =>
        (long)v.Gram.Length * sizeof(double) + (long)v.CrossProduct.Length * (TryNarrow(v.CrossProduct) is null ? sizeof(double) : sizeof(float)) + 5 * sizeof(double);

    private static float[]? TryNarrow(double[] values)
    {
        var single = new float[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            single[i] = (float)values[i];
            if (single[i] != values[i])
                return null;
        }
        return single;
    }

    private static double[] Widen(float[] values)
    {
        var wide = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
            wide[i] = values[i];
        return wide;
    }
}

[GenerateSerializer]
internal struct BlockStepInputSurrogate
{
    [Id(0)] public int Rank;
    [Id(1)] public int Columns;
    [Id(2)] public float[] ComponentsTransposed;
    [Id(3)] public double[] ComponentsGram;
    [Id(4)] public double PenaltyL1;
    [Id(5)] public double PenaltyL2;
    [Id(6)] public int[] Order;
    [Id(7)] public int Sweeps;
}

[RegisterConverter]
internal sealed class BlockStepInputConverter : IConverter<NmfBlockStepInput, BlockStepInputSurrogate>
{
    public NmfBlockStepInput ConvertFromSurrogate(in BlockStepInputSurrogate s) =>
        new(s.Rank, s.Columns, s.ComponentsTransposed, s.ComponentsGram, new Penalty(s.PenaltyL1, s.PenaltyL2), s.Order, s.Sweeps);

    public BlockStepInputSurrogate ConvertToSurrogate(in NmfBlockStepInput v) => new()
    {
        Rank = v.Rank, Columns = v.Columns, ComponentsTransposed = v.ComponentsTransposed, ComponentsGram = v.ComponentsGram,
        PenaltyL1 = v.PenaltyW.L1, PenaltyL2 = v.PenaltyW.L2, Order = v.Order, Sweeps = v.Sweeps,
    };

    /// <summary>The payload bytes of one step input as sent.</summary>
    public static long PayloadBytes(NmfBlockStepInput v) =>
        (long)v.ComponentsTransposed.Length * sizeof(float) + (long)v.ComponentsGram.Length * sizeof(double) + (long)v.Order.Length * sizeof(int) + 2 * sizeof(double);
}

[GenerateSerializer]
internal struct BlockEvaluationSurrogate
{
    [Id(0)] public long Rows;
    [Id(1)] public double SquaredError;
    [Id(2)] public double FeatureSum;
    [Id(3)] public double FeatureSquares;
}

[RegisterConverter]
internal sealed class BlockEvaluationConverter : IConverter<NmfBlockEvaluation, BlockEvaluationSurrogate>
{
    public NmfBlockEvaluation ConvertFromSurrogate(in BlockEvaluationSurrogate s) => new(s.Rows, s.SquaredError, s.FeatureSum, s.FeatureSquares);
    public BlockEvaluationSurrogate ConvertToSurrogate(in NmfBlockEvaluation v) =>
        new() { Rows = v.Rows, SquaredError = v.SquaredError, FeatureSum = v.FeatureSum, FeatureSquares = v.FeatureSquares };
}
