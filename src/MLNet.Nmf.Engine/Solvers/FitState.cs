using MLNet.Nmf.Engine.Kernels;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Parallelism;

namespace MLNet.Nmf.Engine.Solvers;

/// <summary>
/// Everything one fit works on: the data and its transpose, W (m x k) and Hᵀ (n x k) as padded
/// row-major factors, the scaled penalties and the random source. Storing Hᵀ rather than H makes
/// the W update and the H update the same routine on (X, W, Hᵀ) and (Xᵀ, Hᵀ, W).
/// </summary>
internal sealed class FitState
{
    public FitState(DataOperand x, float[] w, float[] ht, int rank, NmfFitOptions options)
    {
        X = x;
        W = w;
        Ht = ht;
        Rank = rank;
        Options = options;
        (PenaltyW, PenaltyH) = Penalty.For(options, x.Rows, x.Columns);
        Degree = Math.Max(1, options.DegreeOfParallelism);
        Random = new SeededRandom((ulong)(uint)options.Seed ^ 0x5DEECE66DUL);
        RowBlocksW = BlockPartition.Even(x.Rows, 256);
        RowBlocksH = BlockPartition.Even(x.Columns, 256);
        Progress = new FitProgress(options);
    }

    public DataOperand X { get; }
    public DataOperand Xt => X.Transposed;
    public float[] W { get; }
    public float[] Ht { get; }
    public int Rank { get; }
    public int Rows => X.Rows;
    public int Columns => X.Columns;
    public NmfFitOptions Options { get; }
    public Penalty PenaltyW { get; }
    public Penalty PenaltyH { get; }
    public int Degree { get; }
    public SeededRandom Random { get; }
    public BlockPartition RowBlocksW { get; }
    public BlockPartition RowBlocksH { get; }
    /// <summary>The progress and cancellation hook; solvers call it once per outer iteration.</summary>
    public FitProgress Progress { get; }

    /// <summary>Penalties of the current factors.</summary>
    public double PenaltyValue() =>
        PenaltyW.Evaluate(W.AsSpan(0, Rows * Rank)) + PenaltyH.Evaluate(Ht.AsSpan(0, Columns * Rank));

    /// <summary>The coordinate order for one update: cyclic, or a seeded permutation when shuffling.</summary>
    public int[] Order()
    {
        var order = Enumerable.Range(0, Rank).ToArray();
        if (Options.Shuffle)
            Random.Shuffle(order);
        return order;
    }

    /// <summary>The (W side, H side) problems: (data, factor updated, other factor, its penalty, its row blocks).</summary>
    public (DataOperand Data, float[] A, float[] B, Penalty Penalty, BlockPartition Blocks) Side(bool updateW) =>
        updateW ? (X, W, Ht, PenaltyW, RowBlocksW) : (Xt, Ht, W, PenaltyH, RowBlocksH);
}
