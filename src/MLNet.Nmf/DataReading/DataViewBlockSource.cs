using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Nmf.Engine.Blocks;
using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.DataReading;

/// <summary>
/// One known-size Single vector column of an <see cref="IDataView"/> as row blocks for a streamed fit: every
/// <see cref="ReadBlocks"/> opens a cursor (so a lazy upstream pipeline runs again) and hands out CSR blocks of
/// <c>blockSize</c> rows, one at a time. Values are checked on the way in, with the in-memory reader's error
/// (column, row, slot, value), in the pass that meets them.
/// </summary>
internal sealed class DataViewBlockSource : INmfRowBlockSource
{
    private readonly IDataView _data;
    private readonly DataViewSchema.Column _column;
    private readonly int _blockSize;
    private readonly Stopwatch _readClock = new();
    private readonly Action? _checkAlive;

    /// <summary>A source over <paramref name="columnName"/> of <paramref name="data"/> (<paramref name="size"/> slots) in blocks of
    /// <paramref name="blockSize"/> rows; <paramref name="checkAlive"/> (ML.NET's <c>IHost.CheckAlive</c>) is called before each
    /// block is handed out, so that a cancelled fit reads no further block.</summary>
    public DataViewBlockSource(IDataView data, string columnName, int size, int blockSize, Action? checkAlive = null)
    {
        _data = data;
        _column = data.Schema[columnName];
        Columns = size;
        _blockSize = blockSize;
        _checkAlive = checkAlive;
    }

    public int Columns { get; }

    /// <summary>Passes started.</summary>
    public int Passes { get; private set; }

    /// <summary>Time spent reading rows (cursor, upstream pipeline, copying), over all passes.</summary>
    public TimeSpan ReadTime => _readClock.Elapsed;

    public IEnumerable<INmfMatrix> ReadBlocks()
    {
        Passes++;
        string name = _column.Name;
        var pointers = new List<int>(Math.Min(_blockSize, 1 << 16) + 1);
        var indices = new List<int>();
        var values = new List<float>();
        long row = 0;
        bool anyNonZero = false;
        _readClock.Start();
        try
        {
            using var cursor = _data.GetRowCursor(new[] { _column });
            var getter = cursor.GetGetter<VBuffer<float>>(_column);
            var buffer = default(VBuffer<float>);
            pointers.Add(0);
            while (cursor.MoveNext())
            {
                getter(ref buffer);
                if (buffer.Length != Columns)
                    throw DataViewMatrixReader.WrongLength(name, row, buffer.Length, Columns);
                Append(name, row, buffer, indices, values);
                pointers.Add(indices.Count);
                row++;
                if (pointers.Count - 1 == _blockSize)
                {
                    anyNonZero |= values.Count > 0;
                    var block = Build(pointers, indices, values);
                    _readClock.Stop();
                    _checkAlive?.Invoke();
                    yield return block;
                    _readClock.Start();
                }
            }
            if (pointers.Count > 1)
            {
                anyNonZero |= values.Count > 0;
                var block = Build(pointers, indices, values);
                _readClock.Stop();
                _checkAlive?.Invoke();
                yield return block;
                _readClock.Start();
            }
            // The in-memory reader's errors, naming the column (the engine's own would not), for the data as first read:
            // a later pass that differs (no rows from a source that reads once) is the driver's "data changed" error.
            if (row == 0 && Passes == 1)
                throw DataViewMatrixReader.NoRows(name);
            if (!anyNonZero && Passes == 1)
                throw DataViewMatrixReader.AllZeros(name);
        }
        finally
        {
            _readClock.Stop();
        }
    }

    private static void Append(string name, long row, in VBuffer<float> buffer, List<int> indices, List<float> values)
    {
        var v = buffer.GetValues();
        if (buffer.IsDense)
        {
            for (int j = 0; j < v.Length; j++)
            {
                DataViewMatrixReader.Check(name, row, j, v[j]);
                if (v[j] != 0f)
                {
                    indices.Add(j);
                    values.Add(v[j]);
                }
            }
            return;
        }
        var idx = buffer.GetIndices();
        DataViewMatrixReader.CheckIndices(name, row, idx, buffer.Length);
        for (int p = 0; p < v.Length; p++)
        {
            DataViewMatrixReader.Check(name, row, idx[p], v[p]);
            if (v[p] != 0f)
            {
                indices.Add(idx[p]);
                values.Add(v[p]);
            }
        }
        if (indices.Count == int.MaxValue)
            throw new InvalidOperationException(Invariant($"Column '{name}' has more than {int.MaxValue} non-zero values in one block; lower BlockSize."));
    }

    /// <summary>The rows gathered so far as a CSR block; the lists are emptied for the next block.</summary>
    private CsrMatrix Build(List<int> pointers, List<int> indices, List<float> values)
    {
        var block = new CsrMatrix(pointers.Count - 1, Columns, pointers.ToArray(), indices.ToArray(), values.ToArray());
        pointers.Clear();
        pointers.Add(0);
        indices.Clear();
        values.Clear();
        return block;
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
