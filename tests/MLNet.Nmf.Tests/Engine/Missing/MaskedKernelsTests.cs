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
