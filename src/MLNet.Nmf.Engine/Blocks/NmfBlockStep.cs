using System.Diagnostics;
using System.Globalization;
using MLNet.Nmf.Engine.Kernels;
using MLNet.Nmf.Engine.Losses;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Parallelism;
using MLNet.Nmf.Engine.Projection;
using MLNet.Nmf.Engine.Solvers;

namespace MLNet.Nmf.Engine.Blocks;

/// <summary>
/// The one step every fit of <see cref="NmfSolver.CoordinateDescent"/> is made of: a block of rows X_b of X,
/// with its features W_b, is updated given the components (HALS sweeps, Cichocki &amp; Phan 2009, with
/// Gillis &amp; Glineur's inner repetitions), and returns what the components' update needs from it
/// (<see cref="NmfBlockStatistics"/>). The in-memory fit is this step on one block, <see cref="NmfEngine.FitBlocks"/>
/// on several, and the streamed and cluster fits are drivers of the same step (PLANC's split between the local
/// update and the driver that owns layout and communication).
/// </summary>
/// <remarks>
/// An instance keeps the block's data, its transpose (built on first use) and one work buffer of
/// max(rows, n)·k floats; W_b itself is passed in by the owner, who may keep it anywhere between steps.
/// Features are stored as the engine stores factors: rows x k row-major followed by 8 spare floats
/// (<see cref="CreateFeatures"/>). Results depend on the data and inputs only, never on the thread count.
/// </remarks>
public sealed class NmfBlockStep
{
    private readonly DataOperand _data;
    private readonly BlockPartition _rowBlocks;
    private float[] _product = Array.Empty<float>();
    private float[] _gram = Array.Empty<float>();

    /// <summary>Prepares a block of rows of X.</summary>
    /// <param name="rows">The block's rows: a <see cref="DenseMatrix"/> or <see cref="CsrMatrix"/> (finite, non-negative: checked when built).</param>
    /// <exception cref="ArgumentException">The matrix is of another type, or holds NaN (missing entries are not supported by the block step).</exception>
    public NmfBlockStep(INmfMatrix rows)
        : this(DataOperand.Create(RefuseMissing(rows)))
    {
    }

    private static INmfMatrix RefuseMissing(INmfMatrix rows)
    {
        MaskedFit.RefuseMissing(rows); // the block step has no masked arithmetic (MissingValues = Ignore)
        return rows;
    }

    internal NmfBlockStep(DataOperand data, float[]? workBuffer = null)
    {
        _data = data;
        _rowBlocks = BlockPartition.Even(data.Rows, 256);
        _product = workBuffer ?? Array.Empty<float>(); // a driver may share one buffer across its blocks
    }

    /// <summary>The work buffer's length for a block of <paramref name="rows"/> rows: max(rows, n)·k plus padding.</summary>
    internal static int WorkBufferLength(int rows, int columns, int k) =>
        checked(Math.Max(rows, columns) * k + FactorLayout.Padding);

    /// <summary>Rows in the block.</summary>
    public int Rows => _data.Rows;

    /// <summary>n, the number of features.</summary>
    public int Columns => _data.Columns;

    /// <summary>Non-zero values in the block.</summary>
    public long NonZeroCount => _data.NonZeroCount;

    /// <summary>Σ x over the block, in double.</summary>
    public double Sum => _data.Sum;

    /// <summary>Σ x² over the block, in double.</summary>
    public double SquaredNorm => _data.SquaredNorm;

    internal DataOperand Data => _data;

    /// <summary>A zeroed features array for this block: rows x k row-major plus 8 spare floats.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rank"/> is below 1.</exception>
    public float[] CreateFeatures(int rank)
    {
        if (rank < 1)
            throw new ArgumentOutOfRangeException(nameof(rank), rank, "rank must be at least 1.");
        return FactorLayout.Allocate(Rows, rank);
    }

    /// <summary>
    /// Updates W_b in place by HALS sweeps given the components, then returns the block's statistics
    /// for the updated W_b.
    /// </summary>
    /// <param name="features">W_b: rows x k row-major plus 8 spare floats; updated in place.</param>
    /// <param name="input">The components' side of this iteration.</param>
    /// <param name="degreeOfParallelism">Threads to use; the result does not depend on it.</param>
    /// <param name="into">Statistics to overwrite (to reuse their arrays across iterations); null for new ones.</param>
    /// <exception cref="ArgumentException">The features or input do not fit the block, or the features hold a negative, NaN or
    /// infinite value (the message names its row and component).</exception>
    public NmfBlockStatistics Update(float[] features, NmfBlockStepInput input, int degreeOfParallelism = 1, NmfBlockStatistics? into = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        int k = input.Rank;
        CheckShapes(features, k, input.Columns);
        CheckFeatures(features, k);
        int degree = Math.Max(1, degreeOfParallelism);
        var product = Product(k);
        long start = Stopwatch.GetTimestamp();
        _data.Multiply(input.ComponentsTransposed, k, product, degree);
        StageClock.Add("product X·Hᵀ", start);
        start = Stopwatch.GetTimestamp();
        float[] gram = FactorOps.ToFloat(input.ComponentsGram, k, input.PenaltyW.L2, GramBuffer(k));
        double violation = CoordinateDescentSolver.UpdateFactor(features, product, gram, (float)input.PenaltyW.L1, k, input.Order,
            _rowBlocks, degree, input.Sweeps, "row-sweeps W");
        StageClock.Add("HALS sweeps W", start);
        return Statistics(features, k, !input.PenaltyW.IsZero, violation, degree, into);
    }

    /// <summary>The block's statistics for W_b as it is (no update; violation 0): the starting objective.</summary>
    /// <param name="features">W_b: rows x k row-major plus 8 spare floats.</param>
    /// <param name="rank">k.</param>
    /// <param name="penaltyW">The scaled penalties on W (their sums are computed only when non-zero).</param>
    /// <param name="degreeOfParallelism">Threads to use; the result does not depend on it.</param>
    /// <param name="into">Statistics to overwrite; null for new ones.</param>
    public NmfBlockStatistics Measure(float[] features, int rank, Penalty penaltyW, int degreeOfParallelism = 1, NmfBlockStatistics? into = null)
    {
        CheckShapes(features, rank, Columns);
        if (rank < 1)
            throw new ArgumentOutOfRangeException(nameof(rank), rank, "rank must be at least 1.");
        CheckFeatures(features, rank);
        return Statistics(features, rank, !penaltyW.IsZero, 0, Math.Max(1, degreeOfParallelism), into);
    }

    /// <summary>
    /// The final features of the block: every row projected onto the components exactly as
    /// <see cref="NmfProjector.Transform"/> projects new rows (written into <paramref name="features"/>), and
    /// the block's share of the error.
    /// </summary>
    /// <param name="projector">The fitted components.</param>
    /// <param name="features">Receives W_b (rows x k row-major plus 8 spare floats); its old values are not read.</param>
    /// <param name="penaltyW">The scaled penalties on W, for the feature sums.</param>
    /// <param name="degreeOfParallelism">Threads to use; the result does not depend on it.</param>
    /// <exception cref="ArgumentException">The projector is not Frobenius, or the shapes do not fit.</exception>
    public NmfBlockEvaluation Project(NmfProjector projector, float[] features, Penalty penaltyW, int degreeOfParallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(projector);
        if (projector.Beta != 2)
            throw new ArgumentException(Invariant($"The block step evaluates the Frobenius loss, but the projector has beta = {projector.Beta}."), nameof(projector));
        int k = projector.Rank;
        CheckShapes(features, k, projector.Features);
        int degree = Math.Max(1, degreeOfParallelism);
        long start = Stopwatch.GetTimestamp();
        projector.ProjectAll(_data, degree, into: features);
        StageClock.Add("final projection", start);
        start = Stopwatch.GetTimestamp();
        double squaredError = Divergence.SquaredError(_data, features, projector.ComponentsTransposed, k, degree);
        StageClock.Add("final error", start);
        var (sum, squares) = penaltyW.IsZero ? (0.0, 0.0) : Penalty.Sums(features.AsSpan(0, Rows * k));
        return new NmfBlockEvaluation(Rows, squaredError, sum, squares);
    }

    private NmfBlockStatistics Statistics(float[] features, int k, bool withSums, double violation, int degree, NmfBlockStatistics? into)
    {
        var stats = into ?? new NmfBlockStatistics(k, Columns);
        if (stats.Rank != k || stats.Columns != Columns)
            throw new ArgumentException(Invariant($"The statistics to reuse have rank {stats.Rank} and {stats.Columns} features; this step needs rank {k} and {Columns}."), nameof(into));
        long start = Stopwatch.GetTimestamp();
        FactorOps.Gram(features, Rows, k, degree, into: stats.Gram);
        StageClock.Add("Gram matrices", start);
        start = Stopwatch.GetTimestamp();
        var product = Product(k);
        _data.Transposed.Multiply(features, k, product, degree);
        StageClock.Add("product Xᵀ·W", start);
        if (stats.IsOneBlock)
            stats.FloatCrossProduct = product; // a one-block fit: the components' update reads the floats directly
        else
            FactorOps.Widen(product, stats.CrossProduct);
        var (sum, squares) = withSums ? Penalty.Sums(features.AsSpan(0, Rows * k)) : (0.0, 0.0);
        stats.SetScalars(Rows, violation, _data.SquaredNorm, sum, squares);
        return stats;
    }

    /// <summary>HHᵀ + L2·I in float for this step's sweeps, in one array kept from iteration to iteration (k·k + 8 floats).</summary>
    private float[] GramBuffer(int k)
    {
        if (_gram.Length != k * k + FactorLayout.Padding)
            _gram = new float[checked(k * k + FactorLayout.Padding)];
        return _gram;
    }

    private float[] Product(int k)
    {
        long length = (long)Math.Max(Rows, Columns) * k + FactorLayout.Padding;
        if (_product.Length < length)
        {
            Memory.BufferPool.Return(_product);
            _product = FactorLayout.Rent(Math.Max(Rows, Columns), k); // pooled: the next fit reuses it
        }
        return _product;
    }

    /// <summary>Gives the work buffer and the transposed copy of the block back to the pool (the step may be used again: they are rebuilt).</summary>
    internal void ReleaseBuffers()
    {
        Memory.BufferPool.Return(_product);
        _product = Array.Empty<float>();
        _data.ReleaseBuffers();
    }

    private void CheckShapes(float[] features, int k, int columns)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (columns != Columns)
            throw new ArgumentException(Invariant($"The components have {columns} features but the block has {Columns} columns."), nameof(columns));
        if (features.Length < (long)Rows * k + FactorLayout.Padding)
            throw new ArgumentException(Invariant($"features must hold rows*k + 8 = {(long)Rows * k + FactorLayout.Padding} floats (rows x k row-major plus 8 spare) but holds {features.Length}."), nameof(features));
    }

    /// <summary>
    /// W_b is the owner's, kept anywhere between steps (a file, another machine): a NaN or negative value in it was
    /// swept into NaN components without any error. One vectorized pass, next to the sweeps that read it several times.
    /// </summary>
    private void CheckFeatures(float[] features, int k)
    {
        int bad = MatrixChecks.FirstNotFiniteNonNegative(features.AsSpan(0, Rows * k));
        if (bad >= 0)
            throw new ArgumentException(Invariant($"features holds {features[bad]} at row {bad / k}, component {bad % k}; W_b must be finite and non-negative."), nameof(features));
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
