using System.Globalization;

namespace MLNet.Nmf.Engine.Matrices;

/// <summary>
/// A row-major dense matrix of <see cref="float"/> values.
/// </summary>
/// <remarks>
/// Invariants: <see cref="Rows"/> &gt;= 1, <see cref="Columns"/> &gt;= 1, and
/// <see cref="Values"/> holds exactly <c>Rows * Columns</c> values where the entry at
/// (row <c>i</c>, column <c>j</c>) is <c>Values[i * Columns + j]</c>. Every value is finite and
/// non-negative: the constructor checks this once, so the solvers never check again.
/// </remarks>
public sealed class DenseMatrix : INmfMatrix
{
    private readonly float[] _values;

    /// <summary>Creates a dense matrix over <paramref name="values"/> (not copied).</summary>
    /// <param name="rows">Number of rows (samples), at least 1.</param>
    /// <param name="columns">Number of columns (features), at least 1.</param>
    /// <param name="values">Row-major values, <c>rows * columns</c> of them, finite and non-negative.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is below 1.</exception>
    /// <exception cref="ArgumentException">The length does not match, or a value is negative, NaN or infinite (the message names its row and column).</exception>
    public DenseMatrix(int rows, int columns, float[] values)
        : this(rows, columns, values, validate: true)
    {
    }

    /// <summary>
    /// Creates a dense matrix whose NaN values mark missing entries when <paramref name="missingValues"/> is
    /// <see cref="NmfMissingValues.Ignore"/> (fit it with <see cref="NmfFitOptions.MissingValues"/> = Ignore).
    /// Negative and infinite values are refused either way.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is below 1.</exception>
    /// <exception cref="ArgumentException">The length does not match, or a value is negative, infinite, or NaN while
    /// <paramref name="missingValues"/> is Error (the message names its row and column).</exception>
    public DenseMatrix(int rows, int columns, float[] values, NmfMissingValues missingValues)
        : this(rows, columns, values, validate: true, allowMissing: missingValues == NmfMissingValues.Ignore)
    {
    }

    internal DenseMatrix(int rows, int columns, float[] values, bool validate, bool allowMissing = false)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (validate)
        {
            if (rows < 1)
                throw new ArgumentOutOfRangeException(nameof(rows), rows, "A matrix needs at least one row.");
            if (columns < 1)
                throw new ArgumentOutOfRangeException(nameof(columns), columns, "A matrix needs at least one column.");
            if ((long)rows * columns != values.Length)
                throw new ArgumentException(
                    $"A {rows} x {columns} matrix needs {(long)rows * columns} values but {values.Length} were given.", nameof(values));
            int bad = MatrixChecks.FirstInvalid(values, allowMissing);
            if (bad >= 0)
                throw MatrixChecks.InvalidValue(nameof(values), bad / columns, bad % columns, values[bad]);
        }
        AllowsMissing = allowMissing;
        Rows = rows;
        Columns = columns;
        _values = values;
    }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>True when NaN values mark missing entries (built with <see cref="NmfMissingValues.Ignore"/>).</summary>
    public bool AllowsMissing { get; }

    /// <summary>Number of columns.</summary>
    public int Columns { get; }

    /// <summary>The row-major values (length <c>Rows * Columns</c>).</summary>
    public ReadOnlySpan<float> Values => _values.AsSpan(0, Rows * Columns);

    /// <inheritdoc />
    public long StoredCount => (long)Rows * Columns;

    /// <summary>The entry at row <paramref name="row"/>, column <paramref name="column"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The row is outside [0, <see cref="Rows"/>) or the column outside
    /// [0, <see cref="Columns"/>); the message names it.</exception>
    public float this[int row, int column]
    {
        get
        {
            CheckRow(row);
            if ((uint)column >= (uint)Columns)
                throw new ArgumentOutOfRangeException(nameof(column), column, string.Create(CultureInfo.InvariantCulture,
                    $"Column {column} is outside [0, {Columns}): the matrix has {Columns} columns."));
            return _values[row * Columns + column];
        }
    }

    /// <summary>One row as a span of <see cref="Columns"/> values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The row is outside [0, <see cref="Rows"/>); the message names it.</exception>
    public ReadOnlySpan<float> Row(int row)
    {
        CheckRow(row);
        return _values.AsSpan(row * Columns, Columns);
    }

    private void CheckRow(int row)
    {
        if ((uint)row >= (uint)Rows)
            throw new ArgumentOutOfRangeException(nameof(row), row, string.Create(CultureInfo.InvariantCulture,
                $"Row {row} is outside [0, {Rows}): the matrix has {Rows} rows."));
    }

    internal float[] RawValues => _values;

    /// <summary>Returns a new matrix that is the transpose of this one.</summary>
    public DenseMatrix Transpose() => Transpose(pooled: false);

    /// <summary>The transpose; with <paramref name="pooled"/> its array comes from <see cref="Memory.BufferPool"/>
    /// (see <see cref="ReturnToPool"/>).</summary>
    internal DenseMatrix Transpose(bool pooled)
    {
        long length = (long)Rows * Columns;
        var t = pooled ? Memory.BufferPool.RentFloats(length, clear: false) : new float[length];
        int m = Rows, n = Columns;
        const int Block = 64;
        for (int i0 = 0; i0 < m; i0 += Block)
        {
            int i1 = Math.Min(m, i0 + Block);
            for (int j0 = 0; j0 < n; j0 += Block)
            {
                int j1 = Math.Min(n, j0 + Block);
                for (int i = i0; i < i1; i++)
                    for (int j = j0; j < j1; j++)
                        t[j * m + i] = _values[i * n + j];
            }
        }
        return new DenseMatrix(n, m, t, validate: false, AllowsMissing);
    }

    /// <summary>Gives the array of a pooled transpose back; the matrix must not be used afterwards.</summary>
    internal void ReturnToPool() => Memory.BufferPool.Return(_values);

    /// <summary>Returns a copy of this matrix in compressed sparse row form (zeros dropped).</summary>
    public CsrMatrix ToCsr()
    {
        var ptr = new int[Rows + 1];
        var idx = new List<int>();
        var val = new List<float>();
        for (int i = 0; i < Rows; i++)
        {
            var row = Row(i);
            for (int j = 0; j < row.Length; j++)
            {
                if (row[j] != 0f)
                {
                    idx.Add(j);
                    val.Add(row[j]);
                }
            }
            ptr[i + 1] = idx.Count;
        }
        return new CsrMatrix(Rows, Columns, ptr, idx.ToArray(), val.ToArray(), validate: false, AllowsMissing);
    }

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"DenseMatrix {Rows} x {Columns}");
}
