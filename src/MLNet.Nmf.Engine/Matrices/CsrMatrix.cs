using System.Globalization;

namespace MLNet.Nmf.Engine.Matrices;

/// <summary>
/// A compressed sparse row (CSR) matrix of <see cref="float"/> values.
/// </summary>
/// <remarks>
/// Storage, as in MathNet.Numerics' <c>SparseCompressedRowMatrixStorage</c>:
/// <list type="bullet">
/// <item><see cref="RowPointers"/>: <c>Rows + 1</c> offsets; row <c>i</c> occupies
/// <c>[RowPointers[i], RowPointers[i + 1])</c> of the two arrays below. <c>RowPointers[0] == 0</c>,
/// non-decreasing, <c>RowPointers[Rows] == NonZeroCount</c>.</item>
/// <item><see cref="ColumnIndices"/>: the column of each stored value, in <c>[0, Columns)</c> and
/// strictly increasing within a row (sorted, no duplicates).</item>
/// <item><see cref="Values"/>: the stored values, finite and non-negative (explicit zeros are allowed).</item>
/// </list>
/// The constructor checks every invariant once; the solvers trust them afterwards.
/// </remarks>
public sealed class CsrMatrix : INmfMatrix
{
    private readonly int[] _rowPointers;
    private readonly int[] _columnIndices;
    private readonly float[] _values;

    /// <summary>Creates a CSR matrix over the given arrays (not copied) after checking every invariant.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is below 1.</exception>
    /// <exception cref="ArgumentException">An array has the wrong length, a row pointer or column index is out of order or range,
    /// or a value is negative, NaN or infinite; the message names the row, column and value.</exception>
    public CsrMatrix(int rows, int columns, int[] rowPointers, int[] columnIndices, float[] values)
        : this(rows, columns, rowPointers, columnIndices, values, validate: true)
    {
    }

    /// <summary>
    /// Creates a CSR matrix whose explicitly stored NaN values mark missing entries when <paramref name="missingValues"/>
    /// is <see cref="NmfMissingValues.Ignore"/>; implicit zeros stay observed zeros. Negative and infinite values are
    /// refused either way.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is below 1.</exception>
    /// <exception cref="ArgumentException">As the other constructor; NaN only while <paramref name="missingValues"/> is Error.</exception>
    public CsrMatrix(int rows, int columns, int[] rowPointers, int[] columnIndices, float[] values, NmfMissingValues missingValues)
        : this(rows, columns, rowPointers, columnIndices, values, validate: true, allowMissing: missingValues == NmfMissingValues.Ignore)
    {
    }

    internal CsrMatrix(int rows, int columns, int[] rowPointers, int[] columnIndices, float[] values, bool validate, bool allowMissing = false)
    {
        ArgumentNullException.ThrowIfNull(rowPointers);
        ArgumentNullException.ThrowIfNull(columnIndices);
        ArgumentNullException.ThrowIfNull(values);
        if (validate)
            Validate(rows, columns, rowPointers, columnIndices, values, allowMissing);
        AllowsMissing = allowMissing;
        Rows = rows;
        Columns = columns;
        _rowPointers = rowPointers;
        _columnIndices = columnIndices;
        _values = values;
    }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>True when stored NaN values mark missing entries (built with <see cref="NmfMissingValues.Ignore"/>).</summary>
    public bool AllowsMissing { get; }

    /// <summary>Number of columns.</summary>
    public int Columns { get; }

    /// <summary>Number of stored values.</summary>
    public int NonZeroCount => _rowPointers[Rows];

    /// <inheritdoc />
    public long StoredCount => NonZeroCount;

    /// <summary>Row offsets, length <c>Rows + 1</c>.</summary>
    public ReadOnlySpan<int> RowPointers => _rowPointers.AsSpan(0, Rows + 1);

    /// <summary>Column index of each stored value, sorted within each row.</summary>
    public ReadOnlySpan<int> ColumnIndices => _columnIndices.AsSpan(0, NonZeroCount);

    /// <summary>The stored values.</summary>
    public ReadOnlySpan<float> Values => _values.AsSpan(0, NonZeroCount);

    internal int[] RawRowPointers => _rowPointers;
    internal int[] RawColumnIndices => _columnIndices;
    internal float[] RawValues => _values;

    /// <summary>The column indices of row <paramref name="row"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The row is outside [0, <see cref="Rows"/>); the message names it.</exception>
    public ReadOnlySpan<int> RowIndices(int row)
    {
        CheckRow(row);
        return _columnIndices.AsSpan(_rowPointers[row], _rowPointers[row + 1] - _rowPointers[row]);
    }

    /// <summary>The stored values of row <paramref name="row"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The row is outside [0, <see cref="Rows"/>); the message names it.</exception>
    public ReadOnlySpan<float> RowValues(int row)
    {
        CheckRow(row);
        return _values.AsSpan(_rowPointers[row], _rowPointers[row + 1] - _rowPointers[row]);
    }

    private void CheckRow(int row)
    {
        if ((uint)row >= (uint)Rows)
            throw new ArgumentOutOfRangeException(nameof(row), row, string.Create(CultureInfo.InvariantCulture,
                $"Row {row} is outside [0, {Rows}): the matrix has {Rows} rows."));
    }

    /// <summary>Returns the transpose (n x m) in CSR form, i.e. this matrix in compressed sparse column form.</summary>
    public CsrMatrix Transpose() => Transpose(pooled: false);

    /// <summary>
    /// The transpose; with <paramref name="pooled"/> its arrays come from <see cref="Memory.BufferPool"/> (and may be
    /// longer than needed) and go back there through <see cref="ReturnToPool"/> when the fit is done with it.
    /// </summary>
    internal CsrMatrix Transpose(bool pooled)
    {
        int nnz = NonZeroCount;
        var ptr = pooled ? Memory.BufferPool.RentInts(Columns + 1L, clear: true) : new int[Columns + 1];
        for (int p = 0; p < nnz; p++)
            ptr[_columnIndices[p] + 1]++;
        for (int j = 0; j < Columns; j++)
            ptr[j + 1] += ptr[j];
        var next = ptr.AsSpan(0, Columns).ToArray();
        var idx = pooled ? Memory.BufferPool.RentInts(nnz, clear: false) : new int[nnz];
        var val = pooled ? Memory.BufferPool.RentFloats(nnz, clear: false) : new float[nnz];
        for (int i = 0; i < Rows; i++)
        {
            for (int p = _rowPointers[i]; p < _rowPointers[i + 1]; p++)
            {
                int dest = next[_columnIndices[p]]++;
                idx[dest] = i;
                val[dest] = _values[p];
            }
        }
        return new CsrMatrix(Columns, Rows, ptr, idx, val, validate: false, AllowsMissing);
    }

    /// <summary>Gives the arrays of a pooled transpose back; the matrix must not be used afterwards.</summary>
    internal void ReturnToPool()
    {
        Memory.BufferPool.Return(_rowPointers);
        Memory.BufferPool.Return(_columnIndices);
        Memory.BufferPool.Return(_values);
    }

    /// <summary>Returns a dense copy. Meant for tests and small data: it allocates <c>Rows * Columns</c> values.</summary>
    public DenseMatrix ToDense()
    {
        var d = new float[(long)Rows * Columns];
        for (int i = 0; i < Rows; i++)
            for (int p = _rowPointers[i]; p < _rowPointers[i + 1]; p++)
                d[(long)i * Columns + _columnIndices[p]] = _values[p];
        return new DenseMatrix(Rows, Columns, d, validate: false, AllowsMissing);
    }

    private static void Validate(int rows, int columns, int[] rowPointers, int[] columnIndices, float[] values, bool allowMissing)
    {
        if (rows < 1)
            throw new ArgumentOutOfRangeException(nameof(rows), rows, "A matrix needs at least one row.");
        if (columns < 1)
            throw new ArgumentOutOfRangeException(nameof(columns), columns, "A matrix needs at least one column.");
        if (rowPointers.Length != rows + 1L)
            throw new ArgumentException($"RowPointers must have Rows + 1 = {rows + 1L} entries but has {rowPointers.Length}.", nameof(rowPointers));
        if (rowPointers[0] != 0)
            throw new ArgumentException($"RowPointers[0] must be 0 but is {rowPointers[0]}.", nameof(rowPointers));
        int nnz = rowPointers[rows];
        if (columnIndices.Length != nnz || values.Length != nnz)
            throw new ArgumentException(
                $"RowPointers[{rows}] = {nnz} stored values, but ColumnIndices has {columnIndices.Length} and Values has {values.Length}.",
                nameof(columnIndices));
        for (int i = 0; i < rows; i++)
        {
            int start = rowPointers[i], end = rowPointers[i + 1];
            if (end < start || end > nnz)
                throw new ArgumentException($"RowPointers must be non-decreasing and at most {nnz}: RowPointers[{i}] = {start}, RowPointers[{i + 1}] = {end}.", nameof(rowPointers));
            int previous = -1;
            for (int p = start; p < end; p++)
            {
                int j = columnIndices[p];
                if (j < 0 || j >= columns)
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                        $"Row {i} has column index {j}, outside [0, {columns})."), nameof(columnIndices));
                if (j <= previous)
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                        $"Row {i} has column indices out of order or repeated ({previous} then {j}); sort each row's indices and merge duplicates."),
                        nameof(columnIndices));
                previous = j;
                float v = values[p];
                if (MatrixChecks.IsInvalid(v, allowMissing))
                    MatrixChecks.ThrowInvalidValue(nameof(values), i, j, v);
            }
        }
    }

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"CsrMatrix {Rows} x {Columns}, {NonZeroCount} stored");
}
