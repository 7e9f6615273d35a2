using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Solvers;

namespace MLNet.Nmf.Engine.RankSelection;

/// <summary>
/// One cross-validation mask: the training matrix (the data with the held-out entries set to NaN, built to allow
/// missing entries) and the held-out entries with their values. Every observed entry, an implicit zero of sparse
/// data included, is held out with probability <c>fraction</c>, drawn in row-major order from the seed.
/// </summary>
internal sealed class HoldOut
{
    private readonly int[] _rows;
    private readonly int[] _columns;
    private readonly float[] _values;

    private HoldOut(INmfMatrix training, long trainingCount, List<(int Row, int Column, float Value)> heldOut)
    {
        Training = training;
        TrainingCount = trainingCount;
        _rows = heldOut.Select(e => e.Row).ToArray();
        _columns = heldOut.Select(e => e.Column).ToArray();
        _values = heldOut.Select(e => e.Value).ToArray();
    }

    /// <summary>The data the fit sees.</summary>
    public INmfMatrix Training { get; }

    /// <summary>Number of observed entries the fit sees.</summary>
    public long TrainingCount { get; }

    /// <summary>Number of held-out entries.</summary>
    public int HeldOutCount => _values.Length;

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
    /// </summary>
    private static HoldOut Create(INmfMatrix x, double fraction, int seed, long forced, out double next)
    {
        var random = new SeededRandom((ulong)(uint)seed ^ 0x9E3779B97F4A7C15UL);
        var heldOut = new List<(int, int, float)>();
        long training = 0, observedIndex = 0;
        int m = x.Rows, n = x.Columns;
        if (x is DenseMatrix dense)
        {
            var values = dense.Values.ToArray();
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    long at = (long)i * n + j;
                    if (float.IsNaN(values[at]))
                        continue;
                    if (random.NextDouble() < fraction | observedIndex++ == forced) // '|': every entry draws and counts
                    {
                        heldOut.Add((i, j, values[at]));
                        values[at] = float.NaN;
                    }
                    else
                        training++;
                }
            next = random.NextDouble();
            return new HoldOut(new DenseMatrix(m, n, values, validate: false, allowMissing: true), training, heldOut);
        }

        var csr = (CsrMatrix)x;
        var pointers = new int[m + 1];
        var indices = new List<int>();
        var stored = new List<float>();
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
                {
                    indices.Add(j);
                    stored.Add(v);
                    continue;
                }
                if (random.NextDouble() < fraction | observedIndex++ == forced) // '|': every entry draws and counts
                {
                    heldOut.Add((i, j, v));
                    indices.Add(j);
                    stored.Add(float.NaN);
                    continue;
                }
                training++;
                if (isStored)
                {
                    indices.Add(j);
                    stored.Add(v);
                }
            }
            if (indices.Count == int.MaxValue)
                throw new ArgumentException($"Holding out entries of this sparse matrix would store more than {int.MaxValue} values; use a smaller fraction or fewer rows.", nameof(x));
            pointers[i + 1] = indices.Count;
        }
        next = random.NextDouble();
        return new HoldOut(new CsrMatrix(m, n, pointers, indices.ToArray(), stored.ToArray(), validate: false, allowMissing: true), training, heldOut);
    }

    /// <summary>√(mean over the held-out entries of (x − w_i·h_j)²), in double.</summary>
    public double HeldOutRmse(DenseMatrix w, DenseMatrix h)
    {
        if (_values.Length == 0)
            return double.NaN;
        int k = w.Columns;
        double sum = 0;
        for (int e = 0; e < _values.Length; e++)
        {
            double y = 0;
            for (int t = 0; t < k; t++)
                y += (double)w[_rows[e], t] * h[t, _columns[e]];
            double d = _values[e] - y;
            sum += d * d;
        }
        return Math.Sqrt(sum / _values.Length);
    }
}
