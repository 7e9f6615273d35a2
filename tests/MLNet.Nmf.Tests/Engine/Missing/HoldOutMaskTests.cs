using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.RankSelection;
using MLNet.Nmf.Engine.Solvers;

namespace MLNet.Nmf.Tests.Engine.Missing;

/// <summary><see cref="HoldOut"/>: the masks of rank selection, their bits and what building them allocates.</summary>
public class HoldOutMaskTests
{
    public static TheoryData<string, double, int> Masks() => new()
    {
        { "dense", 0.1, 1 }, { "dense", 0.5, 2 }, { "dense with NaN", 0.2, 3 }, { "sparse", 0.1, 4 }, { "sparse", 0.5, 5 },
        { "sparse with NaN and stored zeros", 0.2, 6 }, { "dense, one row", 1e-9, 7 }, { "sparse, tiny", 1e-9, 8 },
        { "sparse with NaN and stored zeros", 0.01, 9 }, { "dense with NaN", 0.02, 10 }, // gaps longer than a row
    };

    [Theory]
    [MemberData(nameof(Masks))]
    public void HoldOut_IsTheMaskOfItsGapsCountedEntryByEntry_BitForBit(string kind, double fraction, int seed)
    {
        // The masks are built at their final size (they were built in lists grown by doubling and copied), jumping from one
        // held-out entry to the next over stored NaN and implicit zeros; the reference visits every entry and counts the
        // same gaps down. The training matrix and the held-out entries (their order too: the held-out error sums in it)
        // must be the same bits.
        var x = Data(kind, seed);

        var mask = HoldOut.Create(x, fraction, seed);
        var (training, trainingCount, heldOut) = ListBuiltHoldOut.Create(x, fraction, seed);

        mask.TrainingCount.Should().Be(trainingCount);
        mask.HeldOutCount.Should().Be(heldOut.Count).And.BeGreaterThan(0);
        mask.HeldOutEntries().Select(Bits).Should().Equal(heldOut.Select(Bits));
        if (training is DenseMatrix dense)
            Bits(((DenseMatrix)mask.Training).Values).Should().Equal(Bits(dense.Values));
        else
        {
            var (expected, actual) = ((CsrMatrix)training, (CsrMatrix)mask.Training);
            actual.RowPointers.ToArray().Should().Equal(expected.RowPointers.ToArray());
            actual.ColumnIndices.ToArray().Should().Equal(expected.ColumnIndices.ToArray());
            Bits(actual.Values).Should().Equal(Bits(expected.Values));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void HoldOut_AllocatesAboutWhatItKeeps(bool sparse)
    {
        // The held-out entries went into a List of (row, column, value) grown by doubling, then were copied into three
        // arrays; a sparse training matrix into two Lists, copied again: building a mask allocated 2.5-4 times what it kept
        // (measured on 63,666 x 20,000 text, 1 % held out: 1,025 MiB allocated, a peak of 944 MiB above the data, 243 MiB kept).
        var (dense, csr) = TestData.Random(1000, 1000, density: sparse ? 0.02 : 1, seed: 11);
        INmfMatrix x = sparse ? csr : dense;
        HoldOut.Create(x, 0.2, seed: 1); // compiled, so that the count below is the mask's alone

        long before = GC.GetAllocatedBytesForCurrentThread();
        var mask = HoldOut.Create(x, 0.2, seed: 1);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        long training = mask.Training is CsrMatrix t ? t.StoredCount * 8L + 4L * (t.Rows + 1) : 4L * x.Rows * x.Columns;
        long kept = training + 8L * mask.HeldOutCount + 4L * (x.Rows + 1); // a held-out entry is its column and its value
        mask.HeldOutCount.Should().BeGreaterThan(150_000, "the premise: 20 % of 10⁶ entries held out");
        allocated.Should().BeLessThan(kept + kept / 10 + HeldOutEntries.ChunkLength * 8L,
            "building a mask allocates what it keeps, plus at most one partly filled chunk of held-out entries (kept {0} bytes)", kept);
    }

    [Theory]
    [InlineData(false, 0.01)]
    [InlineData(false, 0.5)]
    [InlineData(true, 0.01)]
    [InlineData(true, 0.1)]
    [InlineData(true, 0.5)]
    public void HoldOut_HoldsOutEachObservedEntryIndependentlyWithTheFraction_StoredValuesAndImplicitZerosAlike(bool sparse, double fraction)
    {
        // 1000 x 1000; sparse: 5 % stored, a tenth of them NaN; dense: 3 % NaN. Bounds are 5 standard deviations.
        const int rows = 1000, columns = 1000;
        var random = new Random(17);
        var dense = new float[rows * columns];
        for (int e = 0; e < dense.Length; e++)
            dense[e] = sparse ? (random.NextDouble() < 0.05 ? (random.NextDouble() < 0.1 ? float.NaN : 1f + random.Next(9)) : 0f)
                : random.NextDouble() < 0.03 ? float.NaN : random.Next(4);
        INmfMatrix x = sparse ? CsrOf(rows, columns, dense) : new DenseMatrix(rows, columns, dense, NmfMissingValues.Ignore);

        var mask = HoldOut.Create(x, fraction, seed: 5);

        var held = mask.HeldOutEntries().ToArray();
        var isHeld = new HashSet<long>(held.Select(e => (long)e.Row * columns + e.Column));
        held.Should().OnlyContain(e => !float.IsNaN(dense[e.Row * columns + e.Column]), "a missing entry is never held out");
        held.Should().OnlyContain(e => BitConverter.SingleToInt32Bits(e.Value) == BitConverter.SingleToInt32Bits(dense[e.Row * columns + e.Column]));
        long observed = dense.LongCount(v => !float.IsNaN(v));
        mask.TrainingCount.Should().Be(observed - held.Length);
        Within(held.Length, observed, fraction, "observed entries held out");
        Within(held.Count(e => e.Value != 0), dense.LongCount(v => v != 0 && !float.IsNaN(v)), fraction, "non-zero values held out");
        Within(held.Count(e => e.Value == 0), dense.LongCount(v => v == 0), fraction, "zeros (implicit ones, in sparse data) held out");
        // Independence: the observed right neighbour of a held-out entry is held out with the same probability.
        var next = held.Where(e => e.Column + 1 < columns && !float.IsNaN(dense[e.Row * columns + e.Column + 1])).ToArray();
        Within(next.Count(e => isHeld.Contains((long)e.Row * columns + e.Column + 1)), next.Length, fraction, "right neighbours of held-out entries held out");
    }

    private static void Within(long count, long of, double fraction, string what)
    {
        double mean = of * fraction, sd = Math.Sqrt(of * fraction * (1 - fraction));
        ((double)count).Should().BeInRange(mean - 5 * sd, mean + 5 * sd, "{0} of {1} {2}: {3:P1} expected", count, of, what, fraction);
    }

    private static CsrMatrix CsrOf(int rows, int columns, float[] dense)
    {
        var pointers = new int[rows + 1];
        var indices = new List<int>();
        var values = new List<float>();
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < columns; j++)
                if (dense[i * columns + j] != 0)
                {
                    indices.Add(j);
                    values.Add(dense[i * columns + j]);
                }
            pointers[i + 1] = indices.Count;
        }
        return new CsrMatrix(rows, columns, pointers, indices.ToArray(), values.ToArray(), NmfMissingValues.Ignore);
    }

    [Fact]
    public void HoldOut_DrawsInProportionToTheHeldOutEntries_NotToRowsTimesColumns()
    {
        // Every entry drew a number: 10⁹ draws here (1.27·10⁹ on the 63,666 x 20,000 text matrix, seconds before any fit)
        // to hold out about a thousand. The draw now jumps from one held-out entry to the next (geometric gaps).
        const int rows = 20_000, columns = 50_000;
        var pointers = new int[rows + 1];
        var indices = new int[rows];
        var values = new float[rows];
        for (int i = 0; i < rows; i++)
        {
            pointers[i + 1] = i + 1;
            indices[i] = i * 7 % columns;
            values[i] = 1 + i % 3;
        }
        var x = new CsrMatrix(rows, columns, pointers, indices, values);

        var mask = HoldOut.Create(x, 1e-6, seed: 3);

        // 10⁹ observed entries at 10⁻⁶: 1000 expected, standard deviation 31.6; ±5 of them.
        mask.HeldOutCount.Should().BeInRange(842, 1158);
        mask.TrainingCount.Should().Be((long)rows * columns - mask.HeldOutCount);
        mask.Draws.Should().BeLessThanOrEqualTo(mask.HeldOutCount + 2, "one draw per held-out entry, one past the last, and one for a forced entry");
    }

    private static INmfMatrix Data(string kind, int seed)
    {
        var random = new Random(seed);
        float Value(double missing, double zero) =>
            random.NextDouble() < missing ? float.NaN : random.NextDouble() < zero ? 0f : (float)random.NextDouble();
        switch (kind)
        {
            case "dense, one row":
                return new DenseMatrix(1, 12, Enumerable.Range(0, 12).Select(_ => Value(0, 0.3)).ToArray());
            case "sparse, tiny":
                return new CsrMatrix(2, 3, [0, 1, 2], [1, 2], [1f, 2f]);
            case var d when d.StartsWith("dense", StringComparison.Ordinal):
                double missing = kind.Contains("NaN") ? 0.1 : 0;
                return new DenseMatrix(37, 23, Enumerable.Range(0, 37 * 23).Select(_ => Value(missing, 0.3)).ToArray(), NmfMissingValues.Ignore);
            default:
                bool holes = kind.Contains("NaN");
                var pointers = new List<int> { 0 };
                var indices = new List<int>();
                var values = new List<float>();
                for (int i = 0; i < 41; i++)
                {
                    for (int j = 0; j < 29; j++)
                        if (random.NextDouble() < 0.15 || i == 3) // row 3 full, row-spanning runs of implicit zeros elsewhere
                        {
                            indices.Add(j);
                            values.Add(holes ? Value(0.2, 0.2) : (float)random.NextDouble());
                        }
                    pointers.Add(indices.Count);
                }
                return new CsrMatrix(41, 29, pointers.ToArray(), indices.ToArray(), values.ToArray(), NmfMissingValues.Ignore);
        }
    }

    private static (int, int, int) Bits((int Row, int Column, float Value) e) => (e.Row, e.Column, BitConverter.SingleToInt32Bits(e.Value));

    private static int[] Bits(ReadOnlySpan<float> values)
    {
        var bits = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
            bits[i] = BitConverter.SingleToInt32Bits(values[i]);
        return bits;
    }

    /// <summary>
    /// The masks as they were built before (lists grown by doubling, every entry visited), kept as the reference for their
    /// bits; the held-out entries come from the same gaps, counted down entry by entry over every observed entry.
    /// </summary>
    private static class ListBuiltHoldOut
    {
        public static (INmfMatrix Training, long TrainingCount, List<(int Row, int Column, float Value)> HeldOut) Create(INmfMatrix x, double fraction, int seed)
        {
            var gaps = new HeldOutGaps(fraction, seed);
            var mask = Create(x, gaps);
            if (mask.HeldOut.Count > 0)
                return mask;
            long observed = mask.TrainingCount;
            long forced = Math.Min((long)(gaps.NextUniform() * observed), observed - 1);
            return Create(x, new HeldOutGaps(fraction, seed, forced));
        }

        private static (INmfMatrix Training, long TrainingCount, List<(int Row, int Column, float Value)> HeldOut) Create(INmfMatrix x, HeldOutGaps gaps)
        {
            var heldOut = new List<(int Row, int Column, float Value)>();
            long training = 0, gap = gaps.Next();
            bool HeldOut()
            {
                if (gap-- > 0)
                    return false;
                gap = gaps.Next();
                return true;
            }
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
                        if (HeldOut())
                        {
                            heldOut.Add((i, j, values[at]));
                            values[at] = float.NaN;
                        }
                        else
                            training++;
                    }
                return (new DenseMatrix(m, n, values, validate: false, allowMissing: true), training, heldOut);
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
                    if (HeldOut())
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
                pointers[i + 1] = indices.Count;
            }
            return (new CsrMatrix(m, n, pointers, indices.ToArray(), stored.ToArray(), validate: false, allowMissing: true), training, heldOut);
        }
    }
}
