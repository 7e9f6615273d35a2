using MLNet.Nmf.Engine.Kernels;
using MLNet.Nmf.Engine.Losses;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Parallelism;
using MLNet.Nmf.Engine.Solvers;

namespace MLNet.Nmf.Engine.Sharded;

/// <summary>
/// One block of consecutive rows X_b of a row-sharded fit and its features W_b: the local step of HALS
/// (PLANC's "local update of a block of W given H"). Given the components, <see cref="Update"/> runs the
/// same coordinate sweeps as <see cref="NmfEngine.Fit"/> on W_b and returns the block's
/// <see cref="BlockStatistics"/>; the coordinator (<see cref="ShardedComponents"/>) adds them in block order
/// and updates H. In memory (<see cref="ShardedFit.Fit"/>) or on a cluster, the arithmetic is this class.
/// </summary>
public sealed class RowBlock
{
    private readonly DataOperand _data;
    private float[] _features;

    /// <summary>Wraps the block's rows (finite and non-negative, checked when the matrix was built).</summary>
    /// <param name="rows">X_b.</param>
    /// <param name="firstRow">Index of the block's first row in the whole matrix (fixes its random start).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="firstRow"/> is negative.</exception>
    public RowBlock(INmfMatrix rows, long firstRow)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(firstRow);
        _data = DataOperand.Create(rows);
        FirstRow = firstRow;
        Summary = new BlockSummary(_data.Rows, _data.Columns, _data.NonZeroCount, _data.Sum, _data.SquaredNorm);
        _features = [];
    }

    /// <summary>Index of the first row in the whole matrix.</summary>
    public long FirstRow { get; }

    /// <summary>Size and sums of the block.</summary>
    public BlockSummary Summary { get; }

    /// <summary>Threads used by the block's kernels; results do not depend on it.</summary>
    public int DegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Sets W_b to the random start of the whole fit's rows [FirstRow, FirstRow + rows): scikit-learn's
    /// |N(0, 1)| · sqrt(mean(X) / k), drawn from the same seeded stream as <see cref="NmfEngine.Fit"/> with
    /// <see cref="NmfInitialization.Random"/> (H's n·k draws first, then W row by row).
    /// </summary>
    public void InitializeFeatures(ShardedFitPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        CheckPlan(plan);
        int k = plan.Rank;
        var random = new SeededRandom((ulong)(uint)plan.Seed);
        double scale = ShardedComponents.StartScale(plan);
        long skip = checked((long)plan.Columns * k + FirstRow * k);
        for (long i = 0; i < skip; i++)
            random.NextGaussian();
        var w = FactorLayout.Allocate(_data.Rows, k);
        for (int i = 0; i < _data.Rows * k; i++)
            w[i] = (float)Math.Abs(scale * random.NextGaussian());
        _features = w;
    }

    /// <summary>W_b as a row-major rows x k copy (for a checkpoint).</summary>
    public float[] ExportFeatures(int rank) => _features.AsSpan(0, _data.Rows * rank).ToArray();

    /// <summary>Restores W_b from <see cref="ExportFeatures"/>.</summary>
    /// <exception cref="ArgumentException">The array does not hold rows x <paramref name="rank"/> finite non-negative values.</exception>
    public void ImportFeatures(ReadOnlySpan<float> features, int rank)
    {
        if (features.Length != (long)_data.Rows * rank)
            throw new ArgumentException($"Expected {_data.Rows} x {rank} features, got {features.Length} values.", nameof(features));
        foreach (float v in features)
            if (!(v >= 0f) || !float.IsFinite(v))
                throw new ArgumentException($"A stored feature holds {v}; features must be finite and non-negative.", nameof(features));
        var w = FactorLayout.Allocate(_data.Rows, rank);
        features.CopyTo(w);
        _features = w;
    }

    /// <summary>The statistics of the current W_b, without changing it (the fit's starting objective).</summary>
    public BlockStatistics Statistics(ShardedFitPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        CheckFeatures(plan);
        return Collect(plan, violation: 0);
    }

    /// <summary>
    /// One HALS update of W_b given the components: product X_b·Hᵀ, then <see cref="ShardedFitPlan.SweepsW"/>
    /// coordinate sweeps with the Gram matrix HHᵀ + L2·I; returns W_bᵀW_b, X_bᵀW_b and the violation.
    /// </summary>
    /// <param name="plan">The fit's constants.</param>
    /// <param name="components">Hᵀ and HHᵀ as <see cref="ShardedComponents.Broadcast"/> sends them.</param>
    public BlockStatistics Update(ShardedFitPlan plan, ComponentsBroadcast components)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(components);
        CheckFeatures(plan);
        int k = plan.Rank, n = plan.Columns;
        if (components.Transposed.Length != (long)n * k + FactorLayout.Padding || components.Gram.Length != k * k)
            throw new ArgumentException($"The components do not match the plan ({n} x {k}).", nameof(components));
        int degree = Math.Max(1, DegreeOfParallelism);
        var product = new float[_data.Rows * k + FactorLayout.Padding];
        _data.Multiply(components.Transposed, k, product, degree);
        float[] gram = FactorOps.ToFloat(components.Gram, k, plan.L2W);
        var order = Enumerable.Range(0, k).ToArray();
        double violation = CoordinateDescentSolver.UpdateFactor(_features, product, gram, (float)plan.L1W, k, order,
            BlockPartition.Even(_data.Rows, 256), degree, plan.SweepsW);
        return Collect(plan, violation);
    }

    /// <summary>
    /// Projects the block's rows onto the final components (as <see cref="NmfEngine.Fit"/> computes its returned W)
    /// and returns them with ‖X_b − W_b H‖²_F, in double.
    /// </summary>
    public (DenseMatrix Features, double SquaredError) Project(ShardedFitPlan plan, ComponentsBroadcast components)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(components);
        int k = plan.Rank, n = plan.Columns;
        int degree = Math.Max(1, DegreeOfParallelism);
        var projector = new Projection.NmfProjector(components.Transposed, n, k, 2.0, plan.PenaltyW, plan.ProjectionTolerance, plan.ProjectionMaxIterations);
        float[] w = projector.ProjectAll(_data, degree);
        double squared = Divergence.SquaredError(_data, w, components.Transposed, k, degree);
        return (new DenseMatrix(_data.Rows, k, w.AsSpan(0, _data.Rows * k).ToArray(), validate: false), squared);
    }

    private BlockStatistics Collect(ShardedFitPlan plan, double violation)
    {
        int k = plan.Rank, n = plan.Columns;
        int degree = Math.Max(1, DegreeOfParallelism);
        double[] gram = FactorOps.Gram(_features, _data.Rows, k, degree);
        var cross = new float[n * k + FactorLayout.Padding];
        _data.Transposed.Multiply(_features, k, cross, degree);
        double sum = 0, squares = 0;
        foreach (float v in _features.AsSpan(0, _data.Rows * k))
        {
            sum += v;
            squares += (double)v * v;
        }
        return new BlockStatistics(violation, gram, cross.AsSpan(0, n * k).ToArray(), sum, squares);
    }

    private void CheckPlan(ShardedFitPlan plan)
    {
        if (plan.Columns != _data.Columns)
            throw new ArgumentException($"The block has {_data.Columns} columns but the plan {plan.Columns}.", nameof(plan));
    }

    private void CheckFeatures(ShardedFitPlan plan)
    {
        CheckPlan(plan);
        if (_features.Length != (long)_data.Rows * plan.Rank + FactorLayout.Padding)
            throw new InvalidOperationException("The block's features are not set: call InitializeFeatures or ImportFeatures first.");
    }
}
