using MLNet.Nmf.Engine.Kernels;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Parallelism;
using MLNet.Nmf.Engine.Solvers;

namespace MLNet.Nmf.Engine.Sharded;

/// <summary>
/// The coordinator's half of a row-sharded HALS fit: it owns the components H, adds the blocks'
/// <see cref="BlockStatistics"/> <b>in block order</b> (so the result does not depend on which machine
/// answered first) and updates H with the same coordinate sweeps as <see cref="NmfEngine.Fit"/>.
/// Its whole state is <see cref="Transposed"/> (with the iteration count kept by the driver), so a
/// checkpoint of it and of every block's W_b resumes the fit bit for bit.
/// </summary>
public sealed class ShardedComponents
{
    private readonly ShardedFitPlan _plan;
    private readonly float[] _ht;

    private ShardedComponents(ShardedFitPlan plan, float[] ht)
    {
        _plan = plan;
        _ht = ht;
    }

    /// <summary>Hᵀ, n x k row-major (a copy, for a checkpoint).</summary>
    public float[] Transposed => _ht.AsSpan(0, _plan.Columns * _plan.Rank).ToArray();

    /// <summary>The random start of H, the same numbers as <see cref="NmfEngine.Fit"/> draws with <see cref="NmfInitialization.Random"/>.</summary>
    public static ShardedComponents Start(ShardedFitPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        int k = plan.Rank, n = plan.Columns;
        var random = new SeededRandom((ulong)(uint)plan.Seed);
        double scale = StartScale(plan);
        var ht = FactorLayout.Allocate(n, k);
        for (int t = 0; t < k; t++)
            for (int j = 0; j < n; j++)
                ht[j * k + t] = (float)Math.Abs(scale * random.NextGaussian());
        return new ShardedComponents(plan, ht);
    }

    /// <summary>Components restored from a checkpoint (<see cref="Transposed"/>).</summary>
    /// <exception cref="ArgumentException">The array does not hold n x k finite non-negative values.</exception>
    public static ShardedComponents Restore(ShardedFitPlan plan, ReadOnlySpan<float> transposed)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (transposed.Length != (long)plan.Columns * plan.Rank)
            throw new ArgumentException($"Expected {plan.Columns} x {plan.Rank} values of Hᵀ, got {transposed.Length}.", nameof(transposed));
        foreach (float v in transposed)
            if (!(v >= 0f) || !float.IsFinite(v))
                throw new ArgumentException($"A stored component value is {v}; components must be finite and non-negative.", nameof(transposed));
        var ht = FactorLayout.Allocate(plan.Columns, plan.Rank);
        transposed.CopyTo(ht);
        return new ShardedComponents(plan, ht);
    }

    /// <summary>What every block needs this iteration: Hᵀ and HHᵀ (computed once here).</summary>
    public ComponentsBroadcast Broadcast(int degreeOfParallelism = 1) =>
        new((float[])_ht.Clone(), FactorOps.Gram(_ht, _plan.Columns, _plan.Rank, Math.Max(1, degreeOfParallelism)));

    /// <summary>
    /// Updates H from the blocks' statistics, which must be the answers to <see cref="Broadcast"/> of the current H,
    /// one per block <b>in block order</b>. Returns the iteration's violation (the blocks' plus H's) and the objective
    /// of the new factors.
    /// </summary>
    /// <exception cref="ArgumentException">No statistics, or statistics of the wrong shape.</exception>
    public (double Violation, double Objective) Update(IReadOnlyList<BlockStatistics> blocks, int degreeOfParallelism = 1)
    {
        var (gram, cross, violation, featureSum, featureSquares) = Sum(blocks);
        int k = _plan.Rank, n = _plan.Columns, degree = Math.Max(1, degreeOfParallelism);
        float[] g = FactorOps.ToFloat(gram, k, _plan.L2H);
        var order = Enumerable.Range(0, k).ToArray();
        violation += CoordinateDescentSolver.UpdateFactor(_ht, cross, g, (float)_plan.L1H, k, order, BlockPartition.Even(n, 256), degree, _plan.SweepsH);
        double objective = Objective(gram, cross, featureSum, featureSquares, degree);
        return (violation, objective);
    }

    /// <summary>The objective of the current H and the W whose statistics are given (the fit's starting objective).</summary>
    public double Objective(IReadOnlyList<BlockStatistics> blocks, int degreeOfParallelism = 1)
    {
        var (gram, cross, _, featureSum, featureSquares) = Sum(blocks);
        return Objective(gram, cross, featureSum, featureSquares, Math.Max(1, degreeOfParallelism));
    }

    /// <summary>H (k x n row-major), the model's components.</summary>
    public DenseMatrix ToComponents() =>
        new(_plan.Rank, _plan.Columns, FactorOps.TransposeFromFactor(_ht, _plan.Columns, _plan.Rank), validate: false);

    internal static double StartScale(ShardedFitPlan plan) =>
        Math.Sqrt(plan.Sum / ((double)plan.Rows * plan.Columns) / plan.Rank);

    private double Objective(double[] wGram, float[] xtW, double featureSum, double featureSquares, int degree)
    {
        int k = _plan.Rank, n = _plan.Columns;
        double[] htGram = FactorOps.Gram(_ht, n, k, degree);
        double cross = FactorOps.ElementwiseDot(xtW, _ht, n * k);
        double squared = _plan.SquaredNorm - 2 * cross + FactorOps.FrobeniusInner(wGram, htGram);
        double penalties = _plan.L1W * featureSum + 0.5 * _plan.L2W * featureSquares + _plan.PenaltyH.Evaluate(_ht.AsSpan(0, n * k));
        return 0.5 * Math.Max(squared, 0) + penalties;
    }

    private (double[] Gram, float[] Cross, double Violation, double FeatureSum, double FeatureSquares) Sum(IReadOnlyList<BlockStatistics> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        if (blocks.Count == 0)
            throw new ArgumentException("No block statistics to add.", nameof(blocks));
        int k = _plan.Rank, n = _plan.Columns;
        var gram = new double[k * k];
        var cross = new double[n * k];
        double violation = 0, featureSum = 0, featureSquares = 0;
        for (int b = 0; b < blocks.Count; b++)
        {
            var s = blocks[b];
            if (s.Gram.Length != k * k || s.Cross.Length != n * k)
                throw new ArgumentException($"Block {b}'s statistics have the wrong shape for rank {k} and {n} features.", nameof(blocks));
            for (int i = 0; i < gram.Length; i++)
                gram[i] += s.Gram[i];
            for (int i = 0; i < cross.Length; i++)
                cross[i] += s.Cross[i];
            violation += s.Violation;
            featureSum += s.FeatureSum;
            featureSquares += s.FeatureSquares;
        }
        var crossFloat = new float[n * k + FactorLayout.Padding];
        for (int i = 0; i < cross.Length; i++)
            crossFloat[i] = (float)cross[i];
        return (gram, crossFloat, violation, featureSum, featureSquares);
    }
}
