using MLNet.Nmf.Engine.Kernels;

namespace MLNet.Nmf.Tests.Engine;

/// <summary>Every SIMD kernel against its scalar reference for every length from 0 to 256.</summary>
public unsafe class KernelTests
{
    private static float[] RandomArray(Random random, int length) =>
        Enumerable.Range(0, length).Select(_ => (float)random.NextDouble()).ToArray();

    // Reductions add in a different order than the scalar loop: allow float rounding, relative to the
    // sum of |terms| (a few ulps per term at most).
    private static void ShouldBeCloseTo(float actual, double expected, double scale) =>
        Math.Abs(actual - expected).Should().BeLessThanOrEqualTo(1e-5 * Math.Max(scale, 1e-30));

    [Fact]
    public void Dot_EqualsScalarReference_ForEveryLengthTo256()
    {
        var random = new Random(1);
        for (int n = 0; n <= 256; n++)
        {
            var x = RandomArray(random, n);
            var y = RandomArray(random, n);
            double scale = x.Zip(y, (a, b) => Math.Abs(a * b)).Sum();
            ShouldBeCloseTo(VectorKernels.Dot(x, y), ScalarKernels.Dot(x, y), scale);
        }
    }

    [Fact]
    public void SparseRowTimesFactor_EqualsScalarReferenceExactly_ForEveryRankTo256()
    {
        var random = new Random(2);
        for (int k = 0; k <= 256; k++)
        {
            int columns = 40, count = random.Next(0, 12);
            var factor = RandomArray(random, columns * k + FactorLayout.Padding);
            var indices = Enumerable.Range(0, columns).OrderBy(_ => random.Next()).Take(count).OrderBy(j => j).ToArray();
            var values = RandomArray(random, count);
            var fast = new float[k + 1];
            var reference = new float[k + 1];
            fast[k] = reference[k] = -7f; // a sentinel just past the row: must not be written
            fixed (int* pi = indices)
            fixed (float* pv = values, pf = factor, po = fast)
                VectorKernels.SparseRowTimesFactor(pi, pv, count, pf, k, po);
            ScalarKernels.SparseRowTimesFactor(indices, values, factor, k, reference.AsSpan(0, k));
            fast.Should().Equal(reference, $"rank {k}");
        }
    }

    [Fact]
    public void DenseTimesTransposed_EqualsScalarReference_ForEveryLengthTo256()
    {
        var random = new Random(3);
        for (int c = 0; c <= 256; c++)
        {
            int rows = 1 + c % 7, k = 1 + c % 5;
            var m = RandomArray(random, rows * c);
            var bt = RandomArray(random, k * c);
            var fast = new float[rows * k];
            var reference = new float[rows * k];
            fixed (float* pm = m, pb = bt, po = fast)
                VectorKernels.DenseTimesTransposed(pm, rows, c, pb, k, po);
            ScalarKernels.DenseTimesTransposed(m, rows, c, bt, k, reference);
            for (int i = 0; i < fast.Length; i++)
                ShouldBeCloseTo(fast[i], reference[i], c);
        }
    }

    [Fact]
    public void AccumulateGram_EqualsScalarReference_ForEveryRowCountTo256()
    {
        var random = new Random(4);
        for (int rows = 0; rows <= 256; rows++)
        {
            int k = 1 + rows % 19, stride = (k + 7) & ~7;
            var a = RandomArray(random, rows * k + FactorLayout.Padding);
            var fast = new float[k * stride];
            var reference = new float[k * k];
            fixed (float* pa = a, pg = fast)
                VectorKernels.AccumulateGram(pa, rows, k, pg, stride);
            ScalarKernels.AccumulateGram(a, rows, k, reference);
            for (int s = 0; s < k; s++)
                for (int t = 0; t < k; t++)
                    ShouldBeCloseTo(fast[s * stride + t], reference[s * k + t], rows);
        }
    }

    [Fact]
    public void GatherRowDots_EqualsScalarReference_ForEveryRankTo256()
    {
        var random = new Random(5);
        for (int k = 1; k <= 256; k++)
        {
            int columns = 12, count = 1 + k % 9;
            var factor = RandomArray(random, columns * k + FactorLayout.Padding);
            var a = new float[((k + 7) & ~7) + FactorLayout.Padding];
            RandomArray(random, k).CopyTo(a, 0);
            var indices = Enumerable.Range(0, count).Select(_ => random.Next(columns)).ToArray();
            var fast = new float[count];
            var reference = new float[count];
            fixed (int* pi = indices)
            fixed (float* pa = a, pf = factor, po = fast)
                VectorKernels.GatherRowDots(pa, pi, count, pf, k, po);
            ScalarKernels.GatherRowDots(a, indices, factor, k, reference);
            for (int p = 0; p < count; p++)
                ShouldBeCloseTo(fast[p], reference[p], k);
        }
    }

    [Fact]
    public void CoordinateSweep8_EqualsScalarSweepExactly_LaneByLane_ForEveryRankTo256()
    {
        var random = new Random(6);
        for (int k = 0; k <= 256; k += k < 40 ? 1 : 9)
        {
            int rows = 1 + k % 8;
            var a = RandomArray(random, rows * k);
            var p = RandomArray(random, rows * k);
            var g = RandomArray(random, k * k);
            for (int t = 0; t < k; t++) g[t * k + t] += k; // a positive definite Gram
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
            fastViolation.Should().BeApproximately(violation, 1e-4 * Math.Max(1, violation));
        }
    }
}
