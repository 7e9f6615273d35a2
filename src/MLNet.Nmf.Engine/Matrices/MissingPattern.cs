namespace MLNet.Nmf.Engine.Matrices;

/// <summary>
/// Where the missing entries of a data matrix are, in CSR form without values: row <c>i</c>'s missing
/// columns are <c>Indices[RowPointers[i] .. RowPointers[i + 1])</c>, strictly increasing. Built by
/// <see cref="Split"/>, which also returns the observed data with every missing entry taken out (a zero in
/// dense storage, dropped from sparse storage), so that a product with the observed data is exactly the
/// sum over observed entries.
/// </summary>
internal sealed class MissingPattern
{
    private MissingPattern? _transposed;

    private MissingPattern(int rows, int columns, int[] rowPointers, int[] indices)
    {
        Rows = rows;
        Columns = columns;
        RowPointers = rowPointers;
        Indices = indices;
    }

    public int Rows { get; }

    public int Columns { get; }

    /// <summary>Rows + 1 offsets into <see cref="Indices"/>.</summary>
    public int[] RowPointers { get; }

    /// <summary>The missing columns of each row, sorted.</summary>
    public int[] Indices { get; }

    /// <summary>Number of missing entries.</summary>
    public long Count => RowPointers[Rows];

    /// <summary>The missing columns of row <paramref name="row"/>.</summary>
    public ReadOnlySpan<int> Row(int row) => Indices.AsSpan(RowPointers[row], RowPointers[row + 1] - RowPointers[row]);

    /// <summary>The pattern of the transposed matrix (missing rows of each column), built once.</summary>
    public MissingPattern Transposed => _transposed ??= Transpose();

    /// <summary>
    /// Separates <paramref name="matrix"/> into its observed values and its missing pattern. NaN values are the
    /// missing entries; a matrix without any is returned as is (no copy).
    /// </summary>
    public static (INmfMatrix Observed, MissingPattern Pattern) Split(INmfMatrix matrix) => matrix switch
    {
        DenseMatrix dense => SplitDense(dense),
        CsrMatrix csr => SplitCsr(csr),
        null => throw new ArgumentNullException(nameof(matrix)),
        _ => throw new ArgumentException($"Unsupported matrix type {matrix.GetType().Name}; use DenseMatrix or CsrMatrix.", nameof(matrix)),
    };

    private static (INmfMatrix, MissingPattern) SplitDense(DenseMatrix dense)
    {
        int m = dense.Rows, n = dense.Columns;
        var values = dense.RawValues;
        var pointers = new int[m + 1];
        var indices = new List<int>();
        float[]? observed = null;
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                long at = (long)i * n + j;
                if (!float.IsNaN(values[at]))
                    continue;
                observed ??= (float[])values.Clone();
                observed[at] = 0f;
                indices.Add(j);
            }
            pointers[i + 1] = CheckedCount(indices.Count);
        }
        return (observed is null ? dense : new DenseMatrix(m, n, observed, validate: false), new MissingPattern(m, n, pointers, indices.ToArray()));
    }

    private static (INmfMatrix, MissingPattern) SplitCsr(CsrMatrix csr)
    {
        int m = csr.Rows;
        var ptr = csr.RawRowPointers;
        var idx = csr.RawColumnIndices;
        var val = csr.RawValues;
        var pointers = new int[m + 1];
        var indices = new List<int>();
        for (int p = 0; p < val.Length; p++)
            if (float.IsNaN(val[p]))
                indices.Add(idx[p]);
        if (indices.Count == 0)
            return (csr, new MissingPattern(m, csr.Columns, pointers, []));

        indices.Clear();
        var keptPointers = new int[m + 1];
        var keptIndices = new int[val.Length - CountNaN(val)];
        var keptValues = new float[keptIndices.Length];
        int kept = 0;
        for (int i = 0; i < m; i++)
        {
            for (int p = ptr[i]; p < ptr[i + 1]; p++)
            {
                if (float.IsNaN(val[p]))
                {
                    indices.Add(idx[p]);
                    continue;
                }
                keptIndices[kept] = idx[p];
                keptValues[kept++] = val[p];
            }
            pointers[i + 1] = indices.Count;
            keptPointers[i + 1] = kept;
        }
        var observed = new CsrMatrix(m, csr.Columns, keptPointers, keptIndices, keptValues, validate: false);
        return (observed, new MissingPattern(m, csr.Columns, pointers, indices.ToArray()));
    }

    private static int CountNaN(float[] values)
    {
        int count = 0;
        foreach (float v in values)
            if (float.IsNaN(v))
                count++;
        return count;
    }

    private static int CheckedCount(int count) =>
        count < int.MaxValue ? count : throw new ArgumentException($"The matrix has more than {int.MaxValue - 1} missing entries; NMF supports up to that many.");

    private MissingPattern Transpose()
    {
        var pointers = new int[Columns + 1];
        foreach (int j in Indices)
            pointers[j + 1]++;
        for (int j = 0; j < Columns; j++)
            pointers[j + 1] += pointers[j];
        var next = pointers.AsSpan(0, Columns).ToArray();
        var indices = new int[Indices.Length];
        for (int i = 0; i < Rows; i++)
            for (int p = RowPointers[i]; p < RowPointers[i + 1]; p++)
                indices[next[Indices[p]]++] = i;
        return new MissingPattern(Columns, Rows, pointers, indices);
    }
}
