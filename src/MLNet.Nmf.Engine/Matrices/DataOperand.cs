using MLNet.Nmf.Engine.Kernels;
using MLNet.Nmf.Engine.Parallelism;

namespace MLNet.Nmf.Engine.Matrices;

/// <summary>
/// The data matrix as the solvers see it: products with a factor, row access and a transposed twin.
/// One update routine serves W and H through the transposed problem (Xᵀ ≈ Hᵀ Wᵀ), as in
/// scikit-learn's <c>_nmf.py</c>, so everything here is written once for "rows of M times B".
/// </summary>
internal abstract class DataOperand
{
    private DataOperand? _transposed;

    protected DataOperand(int rows, int columns)
    {
        Rows = rows;
        Columns = columns;
    }

    public int Rows { get; }

    public int Columns { get; }

    /// <summary>Number of stored values (nnz, or Rows * Columns when dense).</summary>
    public abstract long StoredCount { get; }

    /// <summary>True when every entry is stored (so no implicit zeros exist).</summary>
    public abstract bool HasImplicitZeros { get; }

    /// <summary>Fixed partition of the rows used by every row-parallel step.</summary>
    public abstract BlockPartition Blocks { get; }

    /// <summary>The transpose, built on first use and cached (CSC for sparse data).</summary>
    public DataOperand Transposed => _transposed ??= CreateTransposed();

    /// <summary>Σ x² in double precision.</summary>
    public double SquaredNorm { get; protected init; }

    /// <summary>Σ x in double precision.</summary>
    public double Sum { get; protected init; }

    /// <summary>Number of non-zero values, the same for a matrix in dense and in CSR form.</summary>
    public long NonZeroCount { get; protected init; }

    /// <summary>Smallest stored value (0 when there are implicit zeros).</summary>
    public float MinValue { get; protected init; }

    /// <summary>
    /// Largest stored value, 0 for none or all zeros (NaN, a missing entry, is skipped): the value
    /// <see cref="DataScale.Largest(INmfMatrix)"/> gives for data without NaN, found in the same pass as the other statistics.
    /// </summary>
    public float MaxValue { get; protected init; }

    /// <summary>output (Rows x k) = M · B, with B a padded row-major Columns x k factor.</summary>
    public abstract void Multiply(float[] b, int k, float[] output, int degree);

    /// <summary>
    /// output (count x k) = rows [start, start + count) times a padded factor B (Columns x k), each entry summed over the
    /// row's stored columns in order with one FMA per term (<see cref="VectorKernels.SparseRowTimesFactor"/>): the same
    /// bits for a row whether it is multiplied alone or with others.
    /// </summary>
    public virtual unsafe void MultiplyRows(int start, int count, float* factor, int k, float* output)
    {
        for (int r = 0; r < count; r++)
        {
            GetRow(start + r, out var indices, out var values);
            fixed (int* pi = indices)
            fixed (float* pv = values)
                VectorKernels.SparseRowTimesFactor(pi, pv, indices.Length, factor, k, output + (long)r * k);
        }
    }

    /// <summary>The stored columns and values of one row (all columns when dense).</summary>
    public abstract void GetRow(int row, out ReadOnlySpan<int> indices, out ReadOnlySpan<float> values);

    protected abstract DataOperand CreateTransposed();

    /// <summary>
    /// Gives the transposed copy's pooled arrays back (see <see cref="Memory.BufferPool"/>) once the fit is done with
    /// it; a later use of <see cref="Transposed"/> builds it again.
    /// </summary>
    public void ReleaseBuffers()
    {
        var transposed = _transposed;
        _transposed = null;
        transposed?.ReturnTransposedArrays();
    }

    /// <summary>Returns this operand's arrays to the pool when it is a pooled transpose.</summary>
    protected abstract void ReturnTransposedArrays();

    public static DataOperand Create(INmfMatrix matrix) => matrix switch
    {
        CsrMatrix csr => new SparseOperand(csr),
        DenseMatrix dense => new DenseOperand(dense),
        null => throw new ArgumentNullException(nameof(matrix)),
        _ => throw new ArgumentException($"Unsupported matrix type {matrix.GetType().Name}; use DenseMatrix or CsrMatrix.", nameof(matrix)),
    };

    protected static void Statistics(ReadOnlySpan<float> values, out double sum, out double squared, out float min, out float max, out long nonZeros)
    {
        double s = 0, q = 0;
        float mn = float.PositiveInfinity, mx = 0; // the largest as DataScale.Largest folds it: from 0 (non-NaN values: the same value)
        long nz = 0;
        foreach (float v in values)
        {
            s += v;
            q += (double)v * v;
            if (v < mn) mn = v;
            if (v > mx) mx = v;
            if (v != 0f) nz++;
        }
        sum = s;
        squared = q;
        min = values.IsEmpty ? 0f : mn;
        max = mx;
        nonZeros = nz;
    }
}

/// <summary>A CSR matrix as a <see cref="DataOperand"/>.</summary>
internal sealed class SparseOperand : DataOperand
{
    private readonly CsrMatrix _matrix;

    private readonly bool _pooled;

    // True when column indices ascend within every row (a transpose made here): then the product may be tiled.
    private readonly bool _sortedRows;

    public SparseOperand(CsrMatrix matrix, bool pooled = false, bool sortedRows = false)
        : base(matrix.Rows, matrix.Columns)
    {
        _matrix = matrix;
        _pooled = pooled;
        _sortedRows = sortedRows;
        Blocks = BlockPartition.ByWork(matrix.RowPointers, rowCost: 16, targetBlocks: 256);
        Statistics(matrix.Values, out double sum, out double squared, out float min, out float max, out long nonZeros);
        Sum = sum;
        SquaredNorm = squared;
        MinValue = HasImplicitZeros ? 0f : min;
        MaxValue = max;
        NonZeroCount = nonZeros;
    }

    public CsrMatrix Matrix => _matrix;

    public override long StoredCount => _matrix.NonZeroCount;

    public override bool HasImplicitZeros => (long)Rows * Columns != _matrix.NonZeroCount;

    public override BlockPartition Blocks { get; }

    public override unsafe void Multiply(float[] b, int k, float[] output, int degree)
    {
        if (_sortedRows && TiledSparseProduct.Worthwhile(Columns, k))
        {
            // Xᵀ·W gathers rows of W at random: tiles of W that stay in L2, the same bits (TiledSparseProduct).
            TiledSparseProduct.Multiply(_matrix, b, k, output, degree);
            return;
        }
        var ptr = _matrix.RawRowPointers;
        var idx = _matrix.RawColumnIndices;
        var val = _matrix.RawValues;
        var blocks = Blocks;
        BlockRunner.For(blocks.BlockCount, degree, block =>
        {
            fixed (int* pp = ptr, pi = idx)
            fixed (float* pv = val, pb = b, po = output)
                VectorKernels.SparseRowsTimesFactor(pp, blocks.Start(block), blocks.End(block), pi, pv, pb, k, po);
        });
    }

    public override void GetRow(int row, out ReadOnlySpan<int> indices, out ReadOnlySpan<float> values)
    {
        indices = _matrix.RowIndices(row);
        values = _matrix.RowValues(row);
    }

    protected override DataOperand CreateTransposed() => new SparseOperand(_matrix.Transpose(pooled: true), pooled: true, sortedRows: true);

    protected override void ReturnTransposedArrays()
    {
        if (_pooled)
            _matrix.ReturnToPool();
    }
}

/// <summary>A dense row-major matrix as a <see cref="DataOperand"/>.</summary>
internal sealed class DenseOperand : DataOperand
{
    private readonly DenseMatrix _matrix;
    private int[]? _allColumns;

    private readonly bool _pooled;

    private readonly BlockPartition _productBlocks;

    public DenseOperand(DenseMatrix matrix, bool pooled = false)
        : base(matrix.Rows, matrix.Columns)
    {
        _matrix = matrix;
        _pooled = pooled;
        // About 64 KiB of data per block, at least 4 rows so the 4-row tiles stay full.
        int rowsPerBlock = Math.Max(4, (16384 / Math.Max(1, matrix.Columns)) & ~3);
        Blocks = BlockPartition.Even(matrix.Rows, rowsPerBlock);
        // The products' own blocks: whole 8-row tiles even for rows longer than 4096 (at 4 rows a block they ran in
        // 4-row tiles, 7–11 % slower single-threaded at 5,000 columns, k = 20). A product row's bits do not depend on
        // its block, so this changes no result; Blocks (sums in block order) stays as it was.
        _productBlocks = BlockPartition.Even(matrix.Rows, Math.Max(8, (16384 / Math.Max(1, matrix.Columns)) & ~7));
        Statistics(matrix.Values, out double sum, out double squared, out float min, out float max, out long nonZeros);
        Sum = sum;
        SquaredNorm = squared;
        MinValue = min;
        MaxValue = max;
        NonZeroCount = nonZeros;
    }

    public DenseMatrix Matrix => _matrix;

    public override long StoredCount => (long)Rows * Columns;

    public override bool HasImplicitZeros => false;

    public override BlockPartition Blocks { get; }

    public override unsafe void Multiply(float[] b, int k, float[] output, int degree)
    {
        // 8-row register tiles in outer-product form (DenseKernels): B is read in its own layout, no transpose.
        int c = Columns;
        var m = _matrix.RawValues;
        var blocks = _productBlocks;
        BlockRunner.For(blocks.BlockCount, degree, block =>
        {
            int start = blocks.Start(block);
            fixed (float* pm = m, pb = b, po = output)
                DenseKernels.RowsTimesFactor(pm + (long)start * c, blocks.End(block) - start, c, pb, k, po + (long)start * k);
        });
    }

    /// <summary>Dense rows in 4-row register tiles (<see cref="DenseKernels.RowsTimesFactor"/>), the same bits as one row at a time.</summary>
    public override unsafe void MultiplyRows(int start, int count, float* factor, int k, float* output)
    {
        fixed (float* pm = _matrix.RawValues)
            DenseKernels.RowsTimesFactor(pm + (long)start * Columns, count, Columns, factor, k, output);
    }

    public override void GetRow(int row, out ReadOnlySpan<int> indices, out ReadOnlySpan<float> values)
    {
        var all = _allColumns ??= Enumerable.Range(0, Columns).ToArray();
        indices = all;
        values = _matrix.Row(row);
    }

    protected override DataOperand CreateTransposed() => new DenseOperand(_matrix.Transpose(pooled: true), pooled: true);

    protected override void ReturnTransposedArrays()
    {
        if (_pooled)
            _matrix.ReturnToPool();
    }

}
