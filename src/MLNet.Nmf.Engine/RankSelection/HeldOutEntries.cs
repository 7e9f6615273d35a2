namespace MLNet.Nmf.Engine.RankSelection;

/// <summary>
/// The held-out entries of one mask, row by row in row-major order: row i's entries are numbers
/// <c>RowStart(i)</c> to <c>RowStart(i + 1) − 1</c>, each a column and its value. Appended one at a time into chunks of
/// <see cref="ChunkLength"/> entries that are never copied, so building it allocates what it keeps (plus at most one
/// partly filled chunk); a list grown by doubling, then copied to arrays, allocated and held up to about three times that.
/// </summary>
internal sealed class HeldOutEntries
{
    /// <summary>Entries per chunk (a power of two): 2¹⁶, 512 KiB of columns and values.</summary>
    public const int ChunkLength = 1 << ChunkShift;
    private const int ChunkShift = 16;
    private const int ChunkMask = ChunkLength - 1;

    private readonly int[] _rowStarts;
    private readonly List<int[]> _columns = [];
    private readonly List<float[]> _values = [];
    private int _count;
    private int _rowsEnded;

    /// <param name="rows">Number of rows of the data.</param>
    public HeldOutEntries(int rows) => _rowStarts = new int[rows + 1];

    /// <summary>Number of entries.</summary>
    public int Count => _count;

    /// <summary>Number of rows.</summary>
    public int Rows => _rowStarts.Length - 1;

    /// <summary>Appends an entry of the current row (the first row not yet ended), columns increasing within a row.</summary>
    /// <exception cref="ArgumentException">The mask would hold out more entries than an array can number.</exception>
    public void Add(int column, float value)
    {
        if (_count == Array.MaxLength)
            throw new ArgumentException(FormattableString.Invariant(
                $"Holding out entries of this matrix would hold out more than {Array.MaxLength} entries; use a smaller fraction or fewer rows."), "x");
        int chunk = _count >> ChunkShift, at = _count & ChunkMask;
        if (chunk == _columns.Count)
        {
            _columns.Add(new int[ChunkLength]);
            _values.Add(new float[ChunkLength]);
        }
        _columns[chunk][at] = column;
        _values[chunk][at] = value;
        _count++;
    }

    /// <summary>Ends the current row: the entries added since the previous row ended are its.</summary>
    public void EndRow() => _rowStarts[++_rowsEnded] = _count;

    /// <summary>Number of the first entry of row <paramref name="row"/> (<see cref="Count"/> for row = <see cref="Rows"/>).</summary>
    public int RowStart(int row) => _rowStarts[row];

    /// <summary>The column of entry <paramref name="entry"/>.</summary>
    public int Column(int entry) => _columns[entry >> ChunkShift][entry & ChunkMask];

    /// <summary>The value of entry <paramref name="entry"/>.</summary>
    public float Value(int entry) => _values[entry >> ChunkShift][entry & ChunkMask];
}
