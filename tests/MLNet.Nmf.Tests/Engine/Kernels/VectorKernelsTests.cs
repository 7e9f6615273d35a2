using MLNet.Nmf.Engine.Kernels;

namespace MLNet.Nmf.Tests.Engine.Kernels;

/// <summary>
/// Every SIMD kernel of <see cref="VectorKernels"/> against its plain reference in
/// <see cref="ScalarKernels"/>, for every length from 0 to 256 (as TensorPrimitives' tests do).
/// </summary>
/// <remarks>
/// Reductions (Dot, DenseTimesTransposed, GatherRowDots) add in another order than the
/// scalar loop. Any order of n float additions is within γₙ·Σ|terms| of the exact sum, γₙ = n·u,
/// u = 2⁻²⁴ (Higham, Accuracy and Stability of Numerical Algorithms, §4.2); so the two results may differ
/// by 2γₙ·Σ|terms| and no more. Values are signed, so cancellation is exercised. Kernels that write an
/// output get a sentinel just past it, which must survive. Inputs follow the padding contract:
/// factors have <see cref="FactorLayout.Padding"/> spare floats after their last row.
/// </remarks>
public unsafe class VectorKernelsTests
{
    private const double U = 1.0 / (1 << 24);
    private const float Sentinel = -7.25f;

    private static float[] Signed(Random random, int length) =>
        Enumerable.Range(0, length).Select(_ => (float)(2 * random.NextDouble() - 1)).ToArray();

    /// <summary>|actual − reference| / (2γ·Σ|terms|): at most 1 when the kernel is within float rounding.</summary>
    private static double BoundRatio(float actual, float reference, int terms, double sumOfAbsoluteTerms)
    {
        double difference = Math.Abs((double)actual - reference);
        return difference == 0 ? 0 : difference / (2 * (terms + 1) * U * sumOfAbsoluteTerms);
    }

    private static void ShouldBeWithinReductionBound(float actual, float reference, int terms, double sumOfAbsoluteTerms, string because) =>
        BoundRatio(actual, reference, terms, sumOfAbsoluteTerms).Should().BeLessThanOrEqualTo(1, because);

    [Fact]
    public void Dot_EqualsScalarReference_ForEveryLengthTo256()
    {
        var random = new Random(1);
        for (int n = 0; n <= 256; n++)
        {
            int offset = n % 3; // unaligned starts too
            var x = Signed(random, n + offset);
            var y = Signed(random, n + offset);
            var xs = x.AsSpan(offset);
            var ys = y.AsSpan(offset);
            double scale = 0;
            for (int i = 0; i < n; i++) scale += Math.Abs((double)xs[i] * ys[i]);
            ShouldBeWithinReductionBound(VectorKernels.Dot(xs, ys), ScalarKernels.Dot(xs, ys), n, scale, $"length {n}");
        }
    }

    [Fact]
    public void SparseRowTimesFactor_EqualsScalarReferenceExactly_ForEveryRankTo256()
    {
        // Lane t of the kernel runs the same FMA chain over p as the scalar loop: bit-identical.
        var random = new Random(2);
        for (int k = 0; k <= 256; k++)
            CheckSparseRowTimesFactor(random, k, count: random.Next(0, 13), columns: 40);
    }

    [Fact]
    public void SparseRowTimesFactor_EqualsScalarReferenceExactly_ForEveryStoredCountTo256()
    {
        var random = new Random(3);
        for (int count = 0; count <= 256; count++)
            CheckSparseRowTimesFactor(random, k: 1 + count % 41, count, columns: 300);
    }

    private static void CheckSparseRowTimesFactor(Random random, int k, int count, int columns)
    {
        var factor = Signed(random, columns * k + FactorLayout.Padding);
        factor.AsSpan(columns * k).Fill(float.NaN); // padding lanes may be read, but must never reach an output
        var indices = Enumerable.Range(0, columns).OrderBy(_ => random.Next()).Take(count).OrderBy(j => j).ToArray();
        var values = Signed(random, count);
        var fast = new float[k + 1];
        var reference = new float[k + 1];
        fast[k] = reference[k] = Sentinel;
        fixed (int* pi = indices)
        fixed (float* pv = values, pf = factor, po = fast)
            VectorKernels.SparseRowTimesFactor(pi, pv, count, pf, k, po);
        ScalarKernels.SparseRowTimesFactor(indices, values, factor, k, reference.AsSpan(0, k));
        fast.Should().Equal(reference, $"rank {k}, {count} stored values");
    }

    [Fact]
    public void SparseRowsTimesFactor_EqualsScalarReferenceExactly_ForEveryRankTo140()
    {
        // The block kernel picks its kernel once (one 512-bit accumulator at 9..16 columns, one width up to 128, chunks
        // above): each row must still be the scalar chain's bits, rows outside [first, end) untouched, and padding
        // (NaN here) never reach an output.
        var random = new Random(5);
        const int columns = 50, rows = 9, first = 2, end = 8;
        for (int k = 0; k <= 140; k++)
        {
            var factor = Signed(random, columns * k + FactorLayout.Padding);
            factor.AsSpan(columns * k).Fill(float.NaN);
            var ptr = new int[rows + 1];
            var indices = new List<int>();
            for (int i = 0; i < rows; i++)
            {
                indices.AddRange(Enumerable.Range(0, columns).Where(_ => random.Next(4) == 0)); // some rows come out empty
                if (i == 3) indices.Add(columns - 1); // the factor's last row: its reads reach into the padding
                ptr[i + 1] = indices.Count;
            }
            var values = Signed(random, indices.Count);
            var fast = Enumerable.Repeat(Sentinel, rows * k + 1).ToArray();
            fixed (int* pp = ptr, pi = indices.ToArray())
            fixed (float* pv = values, pf = factor, po = fast)
                VectorKernels.SparseRowsTimesFactor(pp, first, end, pi, pv, pf, k, po);
            var expected = Enumerable.Repeat(Sentinel, rows * k + 1).ToArray();
            for (int i = first; i < end; i++)
                ScalarKernels.SparseRowTimesFactor(
                    indices.GetRange(ptr[i], ptr[i + 1] - ptr[i]).ToArray(), values.AsSpan(ptr[i], ptr[i + 1] - ptr[i]).ToArray(),
                    factor, k, expected.AsSpan(i * k, k));
            fast.Should().Equal(expected, $"rank {k}");
        }
    }

    [Fact]
    public void DenseTimesTransposed_EqualsScalarReference_ForEveryLengthTo256()
    {
        var random = new Random(4);
        for (int c = 0; c <= 256; c++)
        {
            int rows = c % 9, k = 1 + c % 7; // full 4-row tiles, leftover rows, 3-wide tiles and leftovers
            var m = Signed(random, rows * c);
            var bt = Signed(random, k * c);
            var fast = new float[rows * k + 1];
            var reference = new float[rows * k];
            fast[^1] = Sentinel;
            fixed (float* pm = m, pb = bt, po = fast)
                VectorKernels.DenseTimesTransposed(pm, rows, c, pb, k, po);
            ScalarKernels.DenseTimesTransposed(m, rows, c, bt, k, reference);
            double worst = 0;
            for (int i = 0; i < rows; i++)
                for (int t = 0; t < k; t++)
                {
                    double scale = 0;
                    for (int j = 0; j < c; j++) scale += Math.Abs((double)m[i * c + j] * bt[t * c + j]);
                    worst = Math.Max(worst, BoundRatio(fast[i * k + t], reference[i * k + t], c, scale));
                }
            worst.Should().BeLessThanOrEqualTo(1, $"length {c}: every entry within the float bound");
            fast[^1].Should().Be(Sentinel, $"length {c}: nothing is written past the output");
        }
    }

    [Fact]
    public void GatherRowDots_EqualsScalarReference_ForEveryRankTo256()
    {
        var random = new Random(7);
        for (int k = 0; k <= 256; k++)
        {
            int columns = 12, count = k % 10;
            var factor = Signed(random, columns * k + FactorLayout.Padding);
            var row = new float[((k + 7) & ~7) + FactorLayout.Padding]; // zero-padded to a multiple of 8
            Signed(random, k).CopyTo(row, 0);
            var indices = Enumerable.Range(0, count).Select(_ => random.Next(columns)).ToArray(); // repeats allowed
            var fast = new float[count + 1];
            var reference = new float[count];
            fast[^1] = Sentinel;
            fixed (int* pi = indices)
            fixed (float* pa = row, pf = factor, po = fast)
                VectorKernels.GatherRowDots(pa, pi, count, pf, k, po);
            ScalarKernels.GatherRowDots(row, indices, factor, k, reference);
            double worst = 0;
            for (int p = 0; p < count; p++)
            {
                double scale = 0;
                for (int t = 0; t < k; t++) scale += Math.Abs((double)row[t] * factor[indices[p] * k + t]);
                worst = Math.Max(worst, BoundRatio(fast[p], reference[p], k, scale));
            }
            worst.Should().BeLessThanOrEqualTo(1, $"rank {k}: every entry within the float bound");
            fast[^1].Should().Be(Sentinel, $"rank {k}: nothing is written past the output");
        }
    }

    [Fact]
    public void CoordinateSweep8_EqualsTheScalarSweepExactly_LaneByLane_ForEveryRankTo256()
    {
        // The 8-lane HALS sweep adds in the same order as ScalarKernels.CoordinateSweep (four interleaved
        // FMA chains), so one sweep agrees bit for bit; lanes past `count` are ignored.
        var random = new Random(8);
        for (int k = 0; k <= 256; k += k < 40 ? 1 : 9)
        {
            int rows = 1 + k % 8;
            var a = Enumerable.Range(0, rows * k).Select(_ => (float)random.NextDouble()).ToArray();
            var p = Enumerable.Range(0, rows * k).Select(_ => (float)random.NextDouble() * k).ToArray();
            var g = Enumerable.Range(0, k * k).Select(_ => (float)random.NextDouble()).ToArray();
            for (int t = 0; t < k; t++) g[t * k + t] += k; // a positive definite Gram-like matrix
            var order = Enumerable.Range(0, k).OrderBy(_ => random.Next()).ToArray();
            var lanesA = new float[Math.Max(1, k) * 8];
            var lanesP = new float[Math.Max(1, k) * 8];
            var fastRows = (float[])a.Clone();
            double fastViolation;
            fixed (float* pa = fastRows, pp = p, la = lanesA, lp = lanesP, pg = g)
            fixed (int* po = order)
            {
                VectorKernels.ToLanes(pa, rows, k, la);
                VectorKernels.ToLanes(pp, rows, k, lp);
                fastViolation = VectorKernels.CoordinateSweep8(la, lp, pg, 0.01f, k, po, rows);
                VectorKernels.FromLanes(la, rows, k, pa);
            }
            double violation = 0;
            for (int r = 0; r < rows; r++)
                violation += ScalarKernels.CoordinateSweep(a.AsSpan(r * k, k), p.AsSpan(r * k, k), g, 0.01f, k, order);
            fastRows.Should().Equal(a, $"rank {k}");
            fastViolation.Should().BeApproximately(violation, 1e-5 * Math.Max(1, violation), "the violation is summed in another order");
        }
    }

    [Theory]
    [InlineData(0.01f)]
    [InlineData(0f)]
    public void CoordinateSweep8_WithZeroCurvature_EqualsTheScalarSweep_AndZeroesWhereTheGradientIsPositive(float l1)
    {
        // A coordinate whose Gram diagonal is 0 (its partner component is zero) has no curvature: the L1 term alone
        // decides it, so a positive gradient sets it to 0 and a gradient ≤ 0 (no finite minimizer) leaves it. Coordinate
        // 1 is a zero component (its Gram row and products 0: gradient l1); coordinate 3 has a zero diagonal but coupled
        // entries, so its gradient's sign differs from lane to lane. Every rank where the sweep's four chains differ.
        var random = new Random(81);
        int zeroed = 0, kept = 0;
        for (int k = 4; k <= 21; k++)
        {
            const int rows = 8;
            var a = Enumerable.Range(0, rows * k).Select(_ => 0.1f + (float)random.NextDouble()).ToArray();
            var p = Enumerable.Range(0, rows * k).Select(_ => (float)random.NextDouble() * k).ToArray();
            var g = Enumerable.Range(0, k * k).Select(_ => (float)random.NextDouble()).ToArray();
            for (int t = 0; t < k; t++) g[t * k + t] += k;
            for (int u = 0; u < k; u++) g[1 * k + u] = g[u * k + 1] = 0f;
            for (int r = 0; r < rows; r++) p[r * k + 1] = 0f;
            g[3 * k + 3] = 0f;
            var order = Enumerable.Range(0, k).OrderBy(_ => random.Next()).ToArray();
            var start = (float[])a.Clone();
            var lanesA = new float[k * 8];
            var lanesP = new float[k * 8];
            var fastRows = (float[])a.Clone();
            fixed (float* pa = fastRows, pp = p, la = lanesA, lp = lanesP, pg = g)
            fixed (int* po = order)
            {
                VectorKernels.ToLanes(pa, rows, k, la);
                VectorKernels.ToLanes(pp, rows, k, lp);
                VectorKernels.CoordinateSweep8(la, lp, pg, l1, k, po, rows);
                VectorKernels.FromLanes(la, rows, k, pa);
            }
            for (int r = 0; r < rows; r++)
                ScalarKernels.CoordinateSweep(a.AsSpan(r * k, k), p.AsSpan(r * k, k), g, l1, k, order);

            fastRows.Select(BitConverter.SingleToInt32Bits).Should().Equal(a.Select(BitConverter.SingleToInt32Bits), $"rank {k}");
            for (int r = 0; r < rows; r++)
                a[r * k + 1].Should().Be(l1 > 0 ? 0f : start[r * k + 1], $"rank {k}, row {r}: a zero component's coordinate has gradient l1");
            for (int r = 0; r < rows; r++)
                if (a[r * k + 3] == 0f) zeroed++; else if (a[r * k + 3] == start[r * k + 3]) kept++;
        }
        zeroed.Should().BePositive("a positive gradient zeroes the coupled coordinate in some rows");
        kept.Should().BePositive("a gradient ≤ 0 keeps it in others");
    }

    [Theory]
    [InlineData(0.8f)]
    [InlineData(0.9f)]
    public void CoordinateSweep8_StopsAfterTheSweepThatMovedTheRowsByATenthOfTheFirst(float coupling)
    {
        // Two coupled coordinates (G = [[1, c], [c, 1]], optimum inside the orthant): each sweep moves the rows by about c²
        // times the last, so the documented rule (Gillis & Glineur's δ = 0.1: stop once a sweep moved them by at most 10 %
        // of the first sweep, in norm) gives a known count, and a 1 % rule a clearly larger one.
        const int k = 2, sweeps = 50;
        var gram = new[] { 1f, coupling, coupling, 1f };
        var product = new[] { 1f, 1f }; // optimum (1, 1) / (1 + c): inside the orthant
        var order = new[] { 0, 1 };
        int ExpectedSweeps(double delta)
        {
            var row = new float[k];
            double first = 0;
            for (int sweep = 1; sweep <= sweeps; sweep++)
            {
                var before = (float[])row.Clone();
                ScalarKernels.CoordinateSweep(row, product, gram, 0f, k, order);
                double moved = 0;
                for (int t = 0; t < k; t++)
                    moved += (double)(row[t] - before[t]) * (row[t] - before[t]);
                if (sweep == 1)
                    first = moved;
                else if (moved <= delta * delta * first)
                    return sweep;
            }
            return sweeps;
        }
        int expected = ExpectedSweeps(0.1);
        ExpectedSweeps(0.01).Should().BeGreaterThan(expected + 2, "the test must tell the two rules apart");

        var lanesA = new float[k * 8];
        var lanesP = new float[k * 8];
        for (int t = 0; t < k; t++)
            Array.Fill(lanesP, product[t], t * 8, 8);
        int executed;
        fixed (float* la = lanesA, lp = lanesP, pg = gram)
        fixed (int* po = order)
            VectorKernels.CoordinateSweep8(la, lp, pg, 0f, k, po, 8, sweeps, &executed);

        executed.Should().Be(expected);
    }

    [Fact]
    public void ToLanesThenFromLanes_RoundTrips_AndFillsMissingRowsWithZeros()
    {
        var random = new Random(9);
        for (int count = 1; count <= 8; count++)
        {
            const int k = 5;
            var rows = Signed(random, count * k);
            var lanes = Enumerable.Repeat(float.NaN, k * 8).ToArray();
            var back = new float[count * k];
            fixed (float* pr = rows, pl = lanes, pb = back)
            {
                VectorKernels.ToLanes(pr, count, k, pl);
                VectorKernels.FromLanes(pl, count, k, pb);
            }
            back.Should().Equal(rows);
            for (int t = 0; t < k; t++)
                for (int r = 0; r < 8; r++)
                    lanes[t * 8 + r].Should().Be(r < count ? rows[r * k + t] : 0f);
        }
    }
}
