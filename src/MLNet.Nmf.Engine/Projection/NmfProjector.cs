using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;
using System.Runtime.Intrinsics;
using MLNet.Nmf.Engine.Kernels;
using MLNet.Nmf.Engine.Losses;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Parallelism;
using MLNet.Nmf.Engine.Solvers;

namespace MLNet.Nmf.Engine.Projection;

/// <summary>
/// Projects rows x (1 x n) onto fixed components H (k x n): the features w (1 x k) that minimize the
/// model's own objective with H held fixed,
/// <code>min_{w ≥ 0} d_β(x, wH) + L1‖w‖₁ + ½ L2‖w‖²</code>
/// (L1, L2 = the fit's scaled W penalties). Frobenius: coordinate descent on the k x k Gram matrix
/// HHᵀ + L2·I; Kullback-Leibler: the Newton coordinate descent of <see cref="KlCoordinateRow"/>; other β:
/// row-wise multiplicative updates. Each row starts from the same point and sweeps until the total
/// change is below the tolerance, so the result depends only on the row and H: Fit computes its W with
/// this very code, which is why Fit's features and a later projection of the same rows agree.
/// </summary>
/// <remarks>
/// <para>What the tolerance means for the features returned: a row stops at the first sweep that changes its features by
/// at most <see cref="Tolerance"/> relative (Σ_t |Δw_t| ≤ tol · Σ_t w_t). That bounds the last step, not the distance to
/// the exact minimizer, which is larger where the sweeps converge slowly (near-collinear components).</para>
/// <para>Frobenius with <see cref="ActiveSetFinish"/> (every projector but those of models saved before format 5): a row
/// whose sweeps have not met the tolerance after <see cref="MaxIterations"/> sweeps is solved exactly from there by an
/// active-set method in double (Lawson–Hanson), so it gets its exact minimizer rounded to float; the other rows keep the
/// sweeps' bits. Without it (and for the other losses) such a row returns the features of its last sweep: at k = 60 on
/// 64 pixels those were 1.4 % above the exact minimizer's error, and on an exactly representable matrix 0.017 against
/// 3e-6.</para>
/// Immutable and safe to share across threads; give each thread its own <see cref="ProjectionWorkspace"/>.
/// </remarks>
public sealed unsafe partial class NmfProjector
{
    private readonly float[] _ht;     // n x k, padded
    private readonly float[] _gram;   // k x k, HHᵀ + L2 I (Frobenius)
    private readonly double[] _hSums; // Σ_j H[t, j] (KL)
    private readonly int[] _order;
    private readonly int[] _allColumns;
    private readonly double[] _fullGram; // HHᵀ in double, for the Gram matrices of rows with missing entries
    private double[]? _exactGram;        // HHᵀ summed in double, for the exact finish (made on its first row)
    private readonly double _largestSum; // max_t Σ_j H[t, j]: times a row's largest value, bounds every product x·Hᵀ

    /// <summary>
    /// A row whose largest value lies in [2⁻⁵⁰, 2⁵⁰] (and whose products x·Hᵀ stay below 2¹⁰⁰) is projected as
    /// it is; any other is first scaled by a power of two (exact) to a largest value in [1, 2), with the
    /// penalties scaled to match, so that no product overflows float, no value falls under the solvers' ε
    /// floors, and its features are scaled back.
    /// </summary>
    private const int SafeExponent = 50, SafeProductExponent = 100;

    [ThreadStatic]
    private static float[]? t_batchScratch;

    /// <summary>
    /// The default <see cref="NewtonTolerance"/>: a coordinate takes a further Newton step only while its last step
    /// moved it by more than 10 %. The sweeps' own stopping rule (<see cref="Tolerance"/>) decides convergence.
    /// </summary>
    public const double DefaultNewtonTolerance = 0.1;

    internal NmfProjector(float[] ht, int features, int rank, double beta, Penalty penalty, double tolerance, int maxIterations,
        bool allowMissing = false, double newtonTolerance = DefaultNewtonTolerance, bool activeSetFinish = true)
    {
        NewtonTolerance = newtonTolerance;
        ActiveSetFinish = activeSetFinish && beta == 2;
        _ht = ht;
        Features = features;
        Rank = rank;
        Beta = beta;
        Penalty = penalty;
        Tolerance = tolerance;
        MaxIterations = maxIterations;
        _fullGram = FactorOps.Gram(ht, features, rank, 1);
        _gram = FactorOps.ToFloat(_fullGram, rank, penalty.L2);
        AllowsMissing = allowMissing && beta == 2;
        _hSums = FactorOps.ColumnSums(ht, features, rank);
        foreach (double sum in _hSums)
            _largestSum = Math.Max(_largestSum, sum);
        _order = Enumerable.Range(0, rank).ToArray();
        _allColumns = Enumerable.Range(0, features).ToArray();
    }

    /// <summary>Number of input features n.</summary>
    public int Features { get; }

    /// <summary>Number of components k (length of a projected row).</summary>
    public int Rank { get; }

    /// <summary>The beta of the divergence the projection minimizes.</summary>
    public double Beta { get; }

    /// <summary>The scaled L1 and L2 weights on the features.</summary>
    public Penalty Penalty { get; }

    /// <summary>Relative change below which a row's sweeps stop.</summary>
    public double Tolerance { get; }

    /// <summary>
    /// Maximum sweeps per row; with <see cref="ActiveSetFinish"/>, a row still moving after them is solved exactly from there.
    /// </summary>
    public int MaxIterations { get; }

    /// <summary>
    /// Frobenius: whether a row whose sweeps have not met <see cref="Tolerance"/> after <see cref="MaxIterations"/> sweeps
    /// is finished by an exact active-set solve (Lawson–Hanson, in double), which gives it its exact minimizer rounded to
    /// float. True for every Frobenius projector but those of models saved by MLNet.Nmf before model format 5, which return
    /// such a row's last sweep and keep doing so; always false for the other losses.
    /// </summary>
    public bool ActiveSetFinish { get; }

    /// <summary>
    /// Kullback-Leibler: the relative step |Δw_t| / w_t below which a coordinate's Newton steps stop within a sweep
    /// (<see cref="DefaultNewtonTolerance"/>; models saved by MLNet.Nmf before model format 3 stopped them at
    /// <see cref="Tolerance"/> and keep doing so).
    /// </summary>
    public double NewtonTolerance { get; }

    /// <summary>Fresh scratch memory for one thread.</summary>
    public ProjectionWorkspace CreateWorkspace() => new(Rank);

    /// <summary>Projects a sparse row given by its strictly increasing column indices and non-negative values.</summary>
    /// <remarks>
    /// The indices are checked (one pass: each in [0, <see cref="Features"/>), strictly increasing, as many as the
    /// values), and so are the values (one pass: finite and non-negative; NaN only where <see cref="AllowsMissing"/>,
    /// where it marks a missing entry). Rows of any finite magnitude are
    /// projected: one whose largest value is outside [2⁻⁵⁰, 2⁵⁰] is scaled by an exact power of two first (with
    /// the penalties scaled to match) and its features scaled back, so ordinary rows are computed exactly as
    /// before and no product overflows.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside [0, <see cref="Features"/>); the message names it and its position.</exception>
    /// <exception cref="ArgumentException">The indices are not strictly increasing, their count differs from the values',
    /// a value is negative, infinite or NaN (NaN allowed where <see cref="AllowsMissing"/>; the message names its position
    /// and column), <paramref name="features"/> has fewer than <see cref="Rank"/> slots, or <paramref name="workspace"/> was
    /// made for another rank.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="workspace"/> is null.</exception>
    /// <exception cref="OverflowException">The row's features themselves exceed float's range (a row far larger than the
    /// data the components were fitted on); nothing is clamped or replaced.</exception>
    public void Project(ReadOnlySpan<int> indices, ReadOnlySpan<float> values, Span<float> features, ProjectionWorkspace workspace)
    {
        CheckWorkspace(workspace);
        CheckIndices(indices, values.Length);
        float largest = CheckValues(indices, values, nameof(values));
        ProjectCore(indices, values, features, workspace, largest);
    }

    /// <summary>
    /// One pass over a row's values: finite and non-negative, NaN only where the projector allows missing entries
    /// (ordered comparisons are false for NaN, so "≥ 0 and below ∞" fails for it and is tested apart). Returns the row's
    /// largest value for <see cref="RowShift(float)"/>, found in the same pass: for a row without NaN it is
    /// <see cref="DataScale.Largest(ReadOnlySpan{float})"/>'s value (a maximum of finite values is exact in any order; only
    /// the sign of a zero may differ, which RowShift does not see); a row with NaN takes the missing-entry path, which
    /// does not use it.
    /// </summary>
    internal float CheckValues(ReadOnlySpan<int> indices, ReadOnlySpan<float> values, string parameter)
    {
        bool valid = true;
        float largest = 0;
        int p = 0;
        if (Vector256.IsHardwareAccelerated && values.Length >= Vector256<float>.Count)
        {
            var zero = Vector256<float>.Zero;
            var infinity = Vector256.Create(float.PositiveInfinity);
            var max = zero;
            for (; p + Vector256<float>.Count <= values.Length; p += Vector256<float>.Count)
            {
                var v = Vector256.Create(values.Slice(p));
                // A lane passes when 0 ≤ v < ∞, or when it is NaN and NaN is allowed.
                var good = Vector256.GreaterThanOrEqual(v, zero) & Vector256.LessThan(v, infinity);
                if (AllowsMissing)
                    good |= ~Vector256.Equals(v, v);
                valid &= Vector256.EqualsAll(good.AsInt32(), Vector256<int>.AllBitsSet); // bits: a float compare of all-ones (NaN) is never equal
                max = Vector256.Max(max, v);
            }
            for (int lane = 0; lane < Vector256<float>.Count; lane++)
                largest = MathF.Max(largest, max[lane]);
        }
        for (; p < values.Length; p++)
        {
            float v = values[p];
            valid &= (v >= 0 && v < float.PositiveInfinity) || (AllowsMissing && float.IsNaN(v));
            largest = MathF.Max(largest, v);
        }
        if (!valid)
            ThrowBadValue(indices, values, parameter);
        return largest;
    }

    /// <summary>Names the first value that is negative, infinite, or NaN where NaN is not allowed.</summary>
    [DoesNotReturn]
    private void ThrowBadValue(ReadOnlySpan<int> indices, ReadOnlySpan<float> values, string parameter)
    {
        for (int position = 0; position < values.Length; position++)
        {
            float v = values[position];
            if ((v >= 0 && v < float.PositiveInfinity) || (AllowsMissing && float.IsNaN(v)))
                continue;
            string column = indices.IsEmpty ? position.ToString(CultureInfo.InvariantCulture) : indices[position].ToString(CultureInfo.InvariantCulture);
            string what = float.IsNaN(v)
                ? "NaN, and this projector takes no missing entries (only a Frobenius fit with MissingValues = Ignore does). Fill it in"
                : float.IsInfinity(v) ? "infinite; give finite values" : "negative; NMF takes non-negative values (shift or clip the feature)";
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"The row's value at column {column} (position {position}) is {v}: {what}."), parameter);
        }
        throw new UnreachableException("ThrowBadValue was called for valid values.");
    }

    /// <summary>
    /// One pass over a sparse row's indices: strictly increasing (eight neighbours at a time), the first at least 0 and the
    /// last below <see cref="Features"/>, hence every one in [0, <see cref="Features"/>).
    /// </summary>
    private void CheckIndices(ReadOnlySpan<int> indices, int valueCount)
    {
        if (indices.Length != valueCount)
            ThrowUnpaired(indices.Length, valueCount);
        if (indices.IsEmpty)
            return;
        uint features = (uint)Features;
        bool valid = (uint)indices[0] < features && (uint)indices[^1] < features;
        int p = 1;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; p + Vector256<int>.Count <= indices.Length; p += Vector256<int>.Count)
                valid &= !Vector256.LessThanOrEqualAny(Vector256.Create(indices.Slice(p)), Vector256.Create(indices.Slice(p - 1)));
        }
        for (; p < indices.Length; p++)
            valid &= indices[p] > indices[p - 1];
        if (!valid)
            ThrowBadIndex(indices);
    }

    /// <summary>Names the first index that is outside [0, <see cref="Features"/>) or not above the one before it.</summary>
    [DoesNotReturn]
    private void ThrowBadIndex(ReadOnlySpan<int> indices)
    {
        int previous = -1;
        for (int position = 0; position < indices.Length; position++)
        {
            int column = indices[position];
            if ((uint)column >= (uint)Features)
                throw new ArgumentOutOfRangeException(nameof(indices), column, string.Create(CultureInfo.InvariantCulture,
                    $"The sparse row's index {column} (position {position}) is outside [0, {Features}): the components have {Features} features. Give the row in the components' {Features} slots."));
            if (column <= previous)
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"The sparse row's indices must be strictly increasing, but index {column} (position {position}) follows {previous}. Sort the row's entries by index and merge duplicates."), nameof(indices));
            previous = column;
        }
        throw new UnreachableException("ThrowBadIndex was called for valid indices.");
    }

    [DoesNotReturn]
    private static void ThrowUnpaired(int indexCount, int valueCount) =>
        throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
            $"The sparse row has {indexCount} indices but {valueCount} values; give one index per value."), "indices");

    /// <summary>
    /// <see cref="Project(ReadOnlySpan{int}, ReadOnlySpan{float}, Span{float}, ProjectionWorkspace)"/> on indices known to be
    /// valid; <paramref name="largest"/> is the row's largest value when <see cref="CheckValues"/> found it, null to find it here.
    /// </summary>
    private void ProjectCore(ReadOnlySpan<int> indices, ReadOnlySpan<float> values, Span<float> features, ProjectionWorkspace workspace,
        float? largest = null)
    {
        if (features.Length < Rank)
            throw new ArgumentException($"The output span has {features.Length} slots but the model has rank {Rank}.", nameof(features));
        if (AllowsMissing && HasMissing(values))
        {
            ProjectWithMissing(indices, values, features, workspace);
            return;
        }
        int shift = RowShift(largest ?? DataScale.Largest(values));
        var penalty = Penalty;
        if (shift != 0)
        {
            // x' = 2^shift · x and w' = 2^shift · w solve the same problem with the penalties scaled by
            // 2^shift^(β−1) (L1) and 2^shift^(β−2) (L2): d_β(c x, c y) = c^β d_β(x, y).
            values = workspace.Scaled(values, shift);
            penalty = new Penalty(Penalty.L1 * Math.Pow(2, shift * (Beta - 1)), Penalty.L2 * Math.Pow(2, shift * (Beta - 2)));
        }
        fixed (int* pi = indices)
        fixed (float* pv = values, pf = features)
        fixed (float* pht = _ht, pg = _gram)
        fixed (double* ps = _hSums)
        {
            if (Beta == 2)
                ProjectFrobenius(pi, pv, indices.Length, pf, workspace, pht, pg, penalty);
            else if (Beta == 1)
                ProjectKl(pi, pv, indices.Length, pf, workspace, pht, ps, penalty);
            else
                ProjectGeneralBeta(indices, values, features, pht, penalty, workspace);
        }
        for (int t = 0; t < Rank; t++)
        {
            float v = shift == 0 ? features[t] : (float)Math.ScaleB(features[t], -shift);
            if (!float.IsFinite(v))
                throw new OverflowException(string.Create(CultureInfo.InvariantCulture,
                    $"NMF cannot represent the row's features in float: feature {t} is {(double)features[t] * Math.Pow(2, -shift):G6} (the row's largest value is {DataScale.Largest(values) * Math.Pow(2, -shift):G6}, the components' largest sum {_largestSum:G6}). Scale the row down, or use components fitted on data of this magnitude."));
            features[t] = v;
        }
    }

    /// <summary>Refuses a workspace this projector cannot use: null, or made for another rank (its buffers hold that rank).</summary>
    private void CheckWorkspace(ProjectionWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        if (workspace.Rank != Rank)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"The workspace was made for rank {workspace.Rank}, but this projector has rank {Rank}. Use this projector's CreateWorkspace()."), nameof(workspace));
    }

    /// <summary>The power of two that brings the row's largest product x·Hᵀ into the safe range; 0 for ordinary rows.</summary>
    private int RowShift(ReadOnlySpan<float> values) => RowShift(DataScale.Largest(values));

    /// <summary><see cref="RowShift(ReadOnlySpan{float})"/> of a row whose largest value is <paramref name="rowLargest"/>.</summary>
    private int RowShift(float rowLargest)
    {
        double largest = rowLargest;
        if (largest == 0 || (largest >= Math.ScaleB(1, -SafeExponent) && largest <= Math.ScaleB(1, SafeExponent)
            && largest * _largestSum <= Math.ScaleB(1, SafeProductExponent)))
            return 0;
        return -Math.ILogB(largest);
    }


    /// <summary>Projects a dense row of <see cref="Features"/> values (the same result as its sparse form).</summary>
    /// <exception cref="ArgumentException">The row's length is not <see cref="Features"/>, a value is negative, infinite or
    /// NaN (NaN allowed where <see cref="AllowsMissing"/>; the message names its column), or <paramref name="workspace"/> was
    /// made for another rank.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="workspace"/> is null.</exception>
    public void Project(ReadOnlySpan<float> row, Span<float> features, ProjectionWorkspace workspace)
    {
        CheckWorkspace(workspace);
        if (row.Length != Features)
            throw new ArgumentException($"The row has {row.Length} values but the components have {Features} features.", nameof(row));
        float largest = CheckValues(ReadOnlySpan<int>.Empty, row, nameof(row));
        ProjectCore(_allColumns, row, features, workspace, largest);
    }

    /// <summary>Projects every row of <paramref name="matrix"/>; returns W (m x k).</summary>
    /// <param name="matrix">The rows, with <see cref="Features"/> columns; NaN (a matrix built with
    /// <see cref="NmfMissingValues.Ignore"/>) only where <see cref="AllowsMissing"/>.</param>
    /// <param name="degreeOfParallelism">Threads used (0 or less: the processor count); the result does not depend on it.</param>
    /// <exception cref="ArgumentNullException"><paramref name="matrix"/> is null.</exception>
    /// <exception cref="ArgumentException">The matrix has another number of columns, or holds a NaN (missing entry) and this
    /// projector takes none; the message names its row and column.</exception>
    /// <exception cref="OverflowException">A row's features exceed float's range (see
    /// <see cref="Project(ReadOnlySpan{int}, ReadOnlySpan{float}, Span{float}, ProjectionWorkspace)"/>).</exception>
    public DenseMatrix Transform(INmfMatrix matrix, int degreeOfParallelism = 0)
    {
        var data = DataOperand.Create(matrix);
        if (data.Columns != Features)
            throw new ArgumentException($"The matrix has {data.Columns} columns but the components have {Features} features.", nameof(matrix));
        if (!AllowsMissing)
            RefuseMissing(matrix);
        var w = ProjectAll(data, degreeOfParallelism <= 0 ? Environment.ProcessorCount : degreeOfParallelism);
        return new DenseMatrix(data.Rows, Rank, w.AsSpan(0, data.Rows * Rank).ToArray(), validate: false);
    }

    /// <summary>Projects every row into a padded m x k factor (<paramref name="into"/> when given: its old values are not read).</summary>
    internal float[] ProjectAll(DataOperand data, int degree, float[]? into = null)
    {
        var w = into ?? FactorLayout.Allocate(data.Rows, Rank);
        var blocks = data.Blocks;
        if (Beta == 2)
        {
            BlockRunner.For(blocks.BlockCount, degree, block => ProjectFrobeniusBatch(data, blocks.Start(block), blocks.End(block), w));
            return w;
        }
        using var workspaces = new ThreadLocal<ProjectionWorkspace>(CreateWorkspace); // one per thread, not per block
        BlockRunner.For(blocks.BlockCount, degree, block =>
        {
            var workspace = workspaces.Value!;
            for (int i = blocks.Start(block); i < blocks.End(block); i++)
            {
                data.GetRow(i, out var indices, out var values);
                ProjectCore(indices, values, w.AsSpan(i * Rank, Rank), workspace);
            }
        });
        return w;
    }

    /// <summary>
    /// Rows [start, end) of <paramref name="data"/> into <paramref name="w"/>, eight at a time, one per SIMD lane
    /// (<see cref="ProjectionKernels"/>; two such groups share a coordinate loop while both have moving rows, which
    /// overlaps their latency chains): each lane sweeps until its own row's stopping rule holds, so every row gets
    /// exactly the bits <see cref="ProjectFrobenius"/> gives it alone, at a fraction of the time. A group of eight with
    /// a row that needs more than the ordinary path (missing values, a row scaled into range, features beyond float)
    /// goes through <see cref="Project(ReadOnlySpan{int}, ReadOnlySpan{float}, Span{float}, ProjectionWorkspace)"/> row by row.
    /// </summary>
    private void ProjectFrobeniusBatch(DataOperand data, int start, int end, float[] w)
    {
        int k = Rank;
        int lane = k * 8;
        // Per group of eight rows: products of the rows, then the lanes: features, their previous sweep, products. A group's
        // parts are written before they are read (a group that is not started is not swept), so one array per thread
        // serves every block (one per block was 3 MB of garbage at k = 100).
        int group = k * 8 + FactorLayout.Padding + 3 * lane;
        var scratch = t_batchScratch is { } cached && cached.Length >= 2 * group ? cached : (t_batchScratch = new float[2 * group]);
        ProjectionWorkspace? workspace = null;
        float l1 = (float)Penalty.L1;
        fixed (float* pht = _ht, pg = _gram, pw = w, ps = scratch)
        fixed (int* po = _order)
        {
            float* rows0 = ps, rows1 = ps + group;
            float* a0 = rows0 + k * 8 + FactorLayout.Padding, a1 = rows1 + k * 8 + FactorLayout.Padding;
            // Two groups of eight at a time, swept in the same coordinate loop while both have moving rows.
            for (int i = start; i < end; i += 16)
            {
                int count0 = Math.Min(8, end - i), count1 = Math.Min(8, end - i - 8);
                bool ordinary0 = Start(data, i, count0, pht, rows0, a0, lane);
                bool ordinary1 = count1 > 0 && Start(data, i + 8, count1, pht, rows1, a1, lane);
                var active0 = ordinary0 ? ProjectionKernels.FirstLanes(count0) : Vector256<float>.Zero;
                var active1 = ordinary1 ? ProjectionKernels.FirstLanes(count1) : Vector256<float>.Zero;
                for (int sweep = 0; sweep < MaxIterations; sweep++)
                {
                    bool moving0 = active0.AsInt32() != Vector256<int>.Zero, moving1 = active1.AsInt32() != Vector256<int>.Zero;
                    if (moving0 && moving1)
                    {
                        Buffer.MemoryCopy(a0, a0 + lane, lane * sizeof(float), lane * sizeof(float));
                        Buffer.MemoryCopy(a1, a1 + lane, lane * sizeof(float), lane * sizeof(float));
                        ProjectionKernels.Sweep8x2(a0, a0 + 2 * lane, a1, a1 + 2 * lane, pg, l1, k, po, active0, active1);
                        active0 = ProjectionKernels.StillMoving(a0, a0 + lane, k, Tolerance, active0);
                        active1 = ProjectionKernels.StillMoving(a1, a1 + lane, k, Tolerance, active1);
                    }
                    else if (moving0)
                        active0 = SweepOnce(a0, lane, pg, l1, k, po, active0);
                    else if (moving1)
                        active1 = SweepOnce(a1, lane, pg, l1, k, po, active1);
                    else
                        break;
                }
                int stillMoving = BitOperations.PopCount(Vector256.ExtractMostSignificantBits(active0))
                    + BitOperations.PopCount(Vector256.ExtractMostSignificantBits(active1));
                if (stillMoving > 0)
                    AtSweepLimit(stillMoving);
                if (ActiveSetFinish && stillMoving > 0)
                {
                    FinishExactly(a0, lane, active0, ref workspace);
                    FinishExactly(a1, lane, active1, ref workspace);
                }
                if (ordinary0)
                    ordinary0 = Finish(a0, count0, k, pw + (long)i * k);
                if (ordinary1)
                    ordinary1 = Finish(a1, count1, k, pw + (long)(i + 8) * k);
                // The one-row path for a group that needs it: it scales, masks or reports the row exactly as Project
                // does for it alone.
                if (!ordinary0)
                    ProjectOneByOne(data, i, count0, w, ref workspace);
                if (count1 > 0 && !ordinary1)
                    ProjectOneByOne(data, i + 8, count1, w, ref workspace);
            }
        }
    }

    /// <summary>
    /// Whether rows [i, i + count) take the ordinary batch path (no missing values, no scaling); if so, their products
    /// go into lanes (after <paramref name="a"/>'s features and previous sweep) and their features start at 0.
    /// </summary>
    private bool Start(DataOperand data, int i, int count, float* ht, float* rows, float* a, int lane)
    {
        for (int r = 0; r < count; r++)
        {
            data.GetRow(i + r, out _, out var values);
            if ((AllowsMissing && HasMissing(values)) || RowShift(values) != 0)
                return false;
        }
        data.MultiplyRows(i, count, ht, Rank, rows);
        VectorKernels.ToLanes(rows, count, Rank, a + 2 * lane);
        new Span<float>(a, lane).Clear();
        return true;
    }

    /// <summary>One sweep of one group of eight (features at <paramref name="a"/>, previous and products after it).</summary>
    private Vector256<float> SweepOnce(float* a, int lane, float* gram, float l1, int k, int* order, Vector256<float> active)
    {
        Buffer.MemoryCopy(a, a + lane, lane * sizeof(float), lane * sizeof(float));
        ProjectionKernels.Sweep8(a, a + 2 * lane, gram, l1, k, order, active);
        return ProjectionKernels.StillMoving(a, a + lane, k, Tolerance, active);
    }

    /// <summary>Counts rows whose sweeps reached the limit before their tolerance (<see cref="StageClock"/>, when profiling).</summary>
    private static void AtSweepLimit(int rows) => StageClock.Count("projection rows at the sweep limit", rows);

    /// <summary>
    /// The exact finish (<see cref="ActiveSetRow"/>) of the lanes still moving after the sweep limit, each on its own row's
    /// features and products, as <see cref="ProjectFrobenius"/> finishes that row alone.
    /// </summary>
    private void FinishExactly(float* a, int lane, Vector256<float> active, ref ProjectionWorkspace? workspace)
    {
        uint moving = Vector256.ExtractMostSignificantBits(active);
        if (moving == 0)
            return;
        workspace ??= CreateWorkspace();
        int k = Rank;
        float* features = workspace.FeaturesPointer, product = workspace.Product, p = a + 2 * lane;
        double l1 = (float)Penalty.L1;
        for (int r = 0; r < 8; r++)
        {
            if ((moving & (1u << r)) == 0)
                continue;
            for (int t = 0; t < k; t++)
            {
                features[t] = a[t * 8 + r];
                product[t] = p[t * 8 + r];
            }
            workspace.ActiveSet.Finish(ExactGram, Penalty.L2, product, l1, features);
            for (int t = 0; t < k; t++)
                a[t * 8 + r] = features[t];
        }
    }

    /// <summary>Copies a group's features out; false when one is not finite (the group then takes the one-row path).</summary>
    private static bool Finish(float* a, int count, int k, float* output)
    {
        VectorKernels.FromLanes(a, count, k, output);
        for (int t = 0; t < count * k; t++)
            if (!float.IsFinite(output[t]))
                return false;
        return true;
    }

    private void ProjectOneByOne(DataOperand data, int i, int count, float[] w, ref ProjectionWorkspace? workspace)
    {
        workspace ??= CreateWorkspace();
        for (int r = 0; r < count; r++)
        {
            data.GetRow(i + r, out var indices, out var values);
            ProjectCore(indices, values, w.AsSpan((i + r) * Rank, Rank), workspace);
        }
    }

    private void ProjectFrobenius(int* indices, float* values, int count, float* features, ProjectionWorkspace ws, float* ht, float* gram, Penalty penalty)
    {
        int k = Rank;
        float* a = ws.FeaturesPointer, previous = ws.Previous, product = ws.Product;
        VectorKernels.SparseRowTimesFactor(indices, values, count, ht, k, product);
        for (int t = 0; t < k; t++)
            a[t] = 0f;
        float l1 = (float)penalty.L1;
        bool converged = false;
        for (int sweep = 0; sweep < MaxIterations && !converged; sweep++)
        {
            for (int t = 0; t < k; t++)
                previous[t] = a[t];
            CoordinateDescentSolver.UpdateRow(a, product, gram, l1, k, _order);
            converged = Converged(a, previous, k);
        }
        if (!converged)
            AtSweepLimit(1);
        if (!converged && ActiveSetFinish)
            ws.ActiveSet.Finish(ExactGram, penalty.L2, product, l1, a);
        for (int t = 0; t < k; t++)
            features[t] = a[t];
    }

    private void ProjectKl(int* indices, float* values, int count, float* features, ProjectionWorkspace ws, float* ht, double* hSums, Penalty penalty)
    {
        int k = Rank;
        float* a = ws.FeaturesPointer;
        double mass = 0;
        for (int p = 0; p < count; p++)
            mass += values[p];
        // Start where the row's total is reproduced: Σ_t a_t · Σ_j H[t, j] = Σ_j x_j.
        for (int t = 0; t < k; t++)
            a[t] = hSums[t] > 0 ? (float)(mass / (k * hSums[t])) : 0f;
        var row = ws.Kl;
        KlCoordinateRow.Gather(row, a, indices, values, count, ht, k);
        for (int sweep = 0; sweep < MaxIterations; sweep++)
        {
            double change = 0;
            KlCoordinateRow.Sweep(row, a, k, hSums, penalty.L1, penalty.L2, _order, NewtonTolerance, ref change);
            double size = 0;
            for (int t = 0; t < k; t++)
                size += a[t];
            if (change <= Tolerance * size)
                break;
        }
        for (int t = 0; t < k; t++)
            features[t] = a[t];
    }

    private void ProjectGeneralBeta(ReadOnlySpan<int> indices, ReadOnlySpan<float> values, Span<float> features, float* ht, Penalty penalty, ProjectionWorkspace workspace)
    {
        // Row-wise multiplicative updates, as scikit-learn's transform for solver='mu'.
        int k = Rank, n = Features;
        double beta = Beta, gamma = beta < 1 ? 1.0 / (2.0 - beta) : beta > 2 ? 1.0 / (beta - 1.0) : 1.0;
        var x = workspace.DenseRow(n);
        for (int p = 0; p < indices.Length; p++)
            x[indices[p]] = values[p];
        double mass = 0;
        foreach (float v in values) mass += v;
        var a = new double[k];
        for (int t = 0; t < k; t++)
            a[t] = _hSums[t] > 0 ? mass / (k * _hSums[t]) : 0;
        var numerator = new double[k];
        var denominator = new double[k];
        for (int iteration = 0; iteration < MaxIterations; iteration++)
        {
            Array.Clear(numerator);
            Array.Clear(denominator);
            for (int j = 0; j < n; j++)
            {
                double y = 0;
                for (int t = 0; t < k; t++) y += a[t] * ht[(long)j * k + t];
                y = Math.Max(y, KlTerms.Epsilon);
                double yb1 = Math.Pow(y, beta - 1), xyb2 = x[j] * Math.Pow(y, beta - 2);
                for (int t = 0; t < k; t++)
                {
                    double h = ht[(long)j * k + t];
                    denominator[t] += yb1 * h;
                    numerator[t] += xyb2 * h;
                }
            }
            double change = 0, size = 0;
            for (int t = 0; t < k; t++)
            {
                double d = denominator[t] + penalty.L1 + penalty.L2 * a[t];
                double delta = numerator[t] / (d == 0 ? KlTerms.Epsilon : d);
                if (gamma != 1) delta = Math.Pow(delta, gamma);
                double next = a[t] * delta;
                change += Math.Abs(next - a[t]);
                size += next;
                a[t] = next;
            }
            if (change <= Tolerance * size)
                break;
        }
        for (int t = 0; t < k; t++)
            features[t] = (float)a[t];
    }

    private bool Converged(float* a, float* previous, int k)
    {
        double change = 0, size = 0;
        for (int t = 0; t < k; t++)
        {
            change += Math.Abs(a[t] - previous[t]);
            size += a[t];
        }
        return change <= Tolerance * size;
    }

    /// <summary>
    /// HHᵀ summed in double in the order j = 0..n−1 (so the same bits on every thread), for <see cref="ActiveSetRow"/>;
    /// made on the first row that needs it (two threads may both make it, with the same values).
    /// </summary>
    private double[] ExactGram => LazyInitializer.EnsureInitialized(ref _exactGram, () => FactorOps.ExactGram(_ht, Features, Rank));

    /// <summary>The components H (k x n), row-major.</summary>
    public float[] CopyComponents() => FactorOps.TransposeFromFactor(_ht, Features, Rank);

    /// <summary>Hᵀ as the engine stores it (n x k, padded); not to be written.</summary>
    internal float[] ComponentsTransposed => _ht;
}
