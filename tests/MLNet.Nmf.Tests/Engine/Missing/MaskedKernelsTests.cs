using MLNet.Nmf.Engine.Kernels;

namespace MLNet.Nmf.Tests.Engine.Missing;

/// <summary><see cref="MaskedKernels"/>: a row's Gram matrix over its observed columns, whichever way it is built.</summary>
public unsafe class MaskedKernelsTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(5, 7)]
    [InlineData(13, 40)]
    public void RowGram_EqualsTheSumOverObservedColumns_ForEveryMissingCount(int k, int n)
    {
        var random = new Random(k * 100 + n);
        var b = new float[n * k + FactorLayout.Padding];
        for (int i = 0; i < n * k; i++) b[i] = (float)random.NextDouble();
        var full = FactorOps.Gram(b, n, k, 1);
        var gram = new double[k * k];
        for (int missingCount = 0; missingCount <= n; missingCount++)
        {
            var missing = Enumerable.Range(0, n).OrderBy(_ => random.Next()).Take(missingCount).Order().ToArray();
            fixed (float* pb = b)
            fixed (double* pg = gram)
                MaskedKernels.RowGram(full, pb, k, missing, n, pg);
            for (int s = 0; s < k; s++)
                for (int t = 0; t < k; t++)
                {
                    double expected = Enumerable.Range(0, n).Where(j => !missing.Contains(j)).Sum(j => (double)b[j * k + s] * b[j * k + t]);
                    // float partial sums in BᵀB: relative 1e-5 of the full entry when subtracted, exact when summed.
                    gram[s * k + t].Should().BeApproximately(expected, 1e-5 * (Math.Abs(full[s * k + t]) + 1), $"missing {missingCount}, entry ({s}, {t})");
                }
            if (missingCount == n)
                gram.Should().OnlyContain(v => v == 0, "nothing observed gives an exact zero matrix");
        }
    }

    public static IEnumerable<object[]> RanksAndCounts() =>
        from k in new[] { 1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 31, 40 } from count in new[] { 1, 3, 8 } select new object[] { k, count };

    [Theory]
    [MemberData(nameof(RanksAndCounts))]
    public void Sweep8_EachLane_IsBitIdenticalToTheScalarSweep(int k, int count)
    {
        var random = new Random(k * 10 + count);
        var rows = new float[8 * k];
        var products = new float[8 * k];
        var grams = new float[8][];
        for (int r = 0; r < 8; r++)
        {
            // A random symmetric positive semi-definite Gram matrix, with a zero pivot in some lanes.
            var v = Enumerable.Range(0, 3 * k).Select(_ => (float)random.NextDouble()).ToArray();
            grams[r] = new float[k * k + FactorLayout.Padding];
            for (int s = 0; s < k; s++)
                for (int t = 0; t < k; t++)
                    for (int q = 0; q < 3; q++)
                        grams[r][s * k + t] += v[q * k + s] * v[q * k + t];
            if (r % 3 == 1)
                for (int t = 0; t < k; t++)
                    grams[r][t * k + 0] = grams[r][0 * k + t] = 0f;
            for (int t = 0; t < k; t++)
            {
                rows[r * k + t] = random.Next(4) == 0 ? 0f : (float)random.NextDouble();
                products[r * k + t] = (float)random.NextDouble() * 2;
            }
        }
        var order = Enumerable.Range(0, k).OrderBy(_ => random.Next()).ToArray();
        var interleaved = new float[k * k * 8];
        for (int r = 0; r < count; r++)
            for (int e = 0; e < k * k; e++)
                interleaved[e * 8 + r] = grams[r][e];
        var lanesA = new float[k * 8];
        var lanesP = new float[k * 8];
        var expected = (float[])rows.Clone();
        fixed (float* pr = rows, pp = products, pla = lanesA, plp = lanesP, pg = interleaved, pe = expected)
        fixed (int* po = order)
        {
            VectorKernels.ToLanes(pr, count, k, pla);
            VectorKernels.ToLanes(pp, count, k, plp);
            MaskedVectorKernels.Sweep8(pla, plp, pg, 0.05f, k, po, count, out _);
            VectorKernels.FromLanes(pla, count, k, pr);
            for (int r = 0; r < count; r++)
                fixed (float* pgr = grams[r])
                    MaskedKernels.Sweep(pe + r * k, pp + r * k, pgr, 0.05f, k, po, out _);
        }
        rows.Should().Equal(expected, "each lane does the scalar sweep's arithmetic in the same order");
    }

    [Fact]
    public void Sweep_ZeroPivot_SetsTheCoordinateToZeroInsteadOfDividing()
    {
        var a = new float[] { 3f, 2f, 0, 0, 0, 0, 0, 0, 0, 0 };
        var p = new float[] { 1f, 4f, 0, 0, 0, 0, 0, 0, 0, 0 };
        var gram = new float[] { 0f, 0f, 0f, 2f, 0, 0, 0, 0, 0, 0, 0, 0 };
        var order = new[] { 0, 1 };
        fixed (float* pa = a, pp = p, pg = gram)
        fixed (int* po = order)
            MaskedKernels.Sweep(pa, pp, pg, 0f, 2, po, out _);
        a[0].Should().Be(0f, "coordinate 0 has nothing observed");
        a[1].Should().Be(2f, "coordinate 1: 2 − (2·2 − 4) / 2");
    }
}
