using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Solvers;

namespace MLNet.Nmf.Engine.RankSelection;

/// <summary>
/// One cross-validation mask: the training matrix (the data with the held-out entries set to NaN, built to allow
/// missing entries) and the held-out entries with their values. Every observed entry, an implicit zero of sparse
/// data included, is held out with probability <c>fraction</c>, drawn in row-major order from the seed.
/// </summary>
/// <remarks>
/// Memory: the training matrix and the held-out entries are built at their final size, never grown and copied. A dense
/// training matrix is one copy of the data; a sparse one is built in a second pass over the rows (no draws), once the first
/// has counted each row's stored values, by merging each row with its held-out entries.
/// </remarks>
internal sealed class HoldOut
{
    private readonly HeldOutEntries _heldOut;

    private HoldOut(INmfMatrix training, long trainingCount, HeldOutEntries heldOut)
    {
        Training = training;
        TrainingCount = trainingCount;
        _heldOut = heldOut;
    }

    /// <summary>The data the fit sees.</summary>
    public INmfMatrix Training { get; }

    /// <summary>Number of observed entries the fit sees.</summary>
    public long TrainingCount { get; }

    /// <summary>Number of held-out entries.</summary>
    public int HeldOutCount => _heldOut.Count;

    /// <summary>The held-out entries (row, column, value), in row-major order.</summary>
    internal IEnumerable<(int Row, int Column, float Value)> HeldOutEntries()
    {
        for (int i = 0; i < _heldOut.Rows; i++)
            for (int e = _heldOut.RowStart(i); e < _heldOut.RowStart(i + 1); e++)
                yield return (i, _heldOut.Column(e), _heldOut.Value(e));
    }

    /// <summary>
    /// The mask of <paramref name="seed"/>. When the draw holds out no entry (data with fewer observed entries than about
    /// 1 / <paramref name="fraction"/>), one observed entry, chosen by the same seed, is held out, so that every repeat
    /// measures a held-out error.
    /// </summary>
    /// <exception cref="ArgumentException">The data has fewer than two observed entries: none to hold out and one to fit.</exception>
    public static HoldOut Create(INmfMatrix x, double fraction, int seed)
    {
        var mask = Create(x, fraction, seed, forced: -1, out double next);
        if (mask.HeldOutCount > 0)
            return mask;
        long observed = mask.TrainingCount;
        if (observed < 2)
            throw new ArgumentException(FormattableString.Invariant(
                $"The data has {observed} observed (non-missing) entries; rank selection needs at least 2, one to hold out and one to fit. Give more rows."), nameof(x));
        long forced = Math.Min((long)(next * observed), observed - 1);
        return Create(x, fraction, seed, forced, out _);
    }

    /// <summary>
    /// Draws the mask; the observed entry number <paramref name="forced"/> (row-major, from 0) is held out whatever its
    /// draw, which leaves every other draw as it was. <paramref name="next"/> is the generator's next value after the draws.
    /// Every observed entry draws once, in row-major order.
    /// </summary>
    private static HoldOut Create(INmfMatrix x, double fraction, int seed, long forced, out double next)
    {
        var random = new SeededRandom((ulong)(uint)seed ^ 0x9E3779B97F4A7C15UL);
        var heldOut = new HeldOutEntries(x.Rows);
        long training = 0, observedIndex = 0;
        int m = x.Rows, n = x.Columns;
        if (x is DenseMatrix dense)
        {
            var values = dense.Values.ToArray();
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    long at = (long)i * n + j;
                    if (float.IsNaN(values[at]))
                        continue;
                    if (random.NextDouble() < fraction | observedIndex++ == forced) // '|': every entry draws and counts
                    {
                        heldOut.Add(j, values[at]);
                        values[at] = float.NaN;
                    }
                    else
                        training++;
                }
                heldOut.EndRow();
            }
            next = random.NextDouble();
            return new HoldOut(new DenseMatrix(m, n, values, validate: false, allowMissing: true), training, heldOut);
        }

        var csr = (CsrMatrix)x;
        var pointers = new int[m + 1];
        long stored = 0;
        for (int i = 0; i < m; i++)
        {
            var rowIndices = csr.RowIndices(i);
            var rowValues = csr.RowValues(i);
            int p = 0;
            for (int j = 0; j < n; j++)
            {
                bool isStored = p < rowIndices.Length && rowIndices[p] == j;
                float v = isStored ? rowValues[p++] : 0f;
                if (float.IsNaN(v))
                    continue; // stays stored, as NaN
                if (random.NextDouble() < fraction | observedIndex++ == forced) // '|': every entry draws and counts
                {
                    heldOut.Add(j, v);
                    if (!isStored)
                        stored++; // becomes a stored NaN
                }
                else
                    training++;
            }
            heldOut.EndRow();
            stored += rowIndices.Length;
            if (stored > Array.MaxLength)
                throw new ArgumentException($"Holding out entries of this sparse matrix would store more than {Array.MaxLength} values; use a smaller fraction or fewer rows.", nameof(x));
            pointers[i + 1] = (int)stored;
        }
        next = random.NextDouble();
        return new HoldOut(SparseTraining(csr, pointers, heldOut), training, heldOut);
    }

    /// <summary>
    /// The training matrix of sparse data: each row's stored values, those held out set to NaN, merged with its held-out
    /// implicit zeros (stored as NaN), columns increasing; <paramref name="pointers"/> are its row pointers.
    /// </summary>
    private static CsrMatrix SparseTraining(CsrMatrix x, int[] pointers, HeldOutEntries heldOut)
    {
        var indices = new int[pointers[^1]];
        var values = new float[indices.Length];
        int at = 0;
        for (int i = 0; i < x.Rows; i++)
        {
            var rowIndices = x.RowIndices(i);
            var rowValues = x.RowValues(i);
            int p = 0, e = heldOut.RowStart(i), end = heldOut.RowStart(i + 1);
            while (p < rowIndices.Length || e < end)
            {
                int stored = p < rowIndices.Length ? rowIndices[p] : int.MaxValue;
                int held = e < end ? heldOut.Column(e) : int.MaxValue;
                indices[at] = Math.Min(stored, held);
                values[at++] = held <= stored ? float.NaN : rowValues[p];
                if (stored <= held)
                    p++;
                if (held <= stored)
                    e++;
            }
        }
        return new CsrMatrix(x.Rows, x.Columns, pointers, indices, values, validate: false, allowMissing: true);
    }

    /// <summary>√(mean over the held-out entries of (x − w_i·h_j)²), in double.</summary>
    public double HeldOutRmse(DenseMatrix w, DenseMatrix h)
    {
        if (_heldOut.Count == 0)
            return double.NaN;
        int k = w.Columns, n = h.Columns;
        var hv = h.RawValues; // H[t, j] at t·n + j; W's row once per row (the checked indexer cost k checks per entry)
        double sum = 0;
        for (int i = 0; i < _heldOut.Rows; i++)
        {
            var wi = w.Row(i);
            for (int e = _heldOut.RowStart(i); e < _heldOut.RowStart(i + 1); e++)
            {
                int column = _heldOut.Column(e);
                double y = 0;
                for (int t = 0; t < k; t++)
                    y += (double)wi[t] * hv[(long)t * n + column];
                double d = _heldOut.Value(e) - y;
                sum += d * d;
            }
        }
        return Math.Sqrt(sum / _heldOut.Count);
    }
}
