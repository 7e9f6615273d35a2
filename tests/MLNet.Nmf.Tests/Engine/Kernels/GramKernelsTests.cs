using MLNet.Nmf.Engine.Kernels;

namespace MLNet.Nmf.Tests.Engine.Kernels;

/// <summary>
/// The register-tiled upper-triangle Gram (<see cref="GramKernels.AccumulateUpper"/>) against its reference
/// <see cref="VectorKernels.AccumulateGram"/>: bit for bit on every entry on or above the diagonal (the same FMA chain per
/// entry), and <see cref="FactorOps.Gram"/>, which mirrors it, bit for bit against the full kernel's Gram.
/// </summary>
public unsafe class GramKernelsTests
{
    private static float[] Signed(Random random, int length) =>
        Enumerable.Range(0, length).Select(_ => (float)(2 * random.NextDouble() - 1)).ToArray();

    [Fact]
    public void AccumulateUpper_EqualsTheFullKernel_BitForBit_OnAndAboveTheDiagonal_ForEveryRankTo140()
    {
        var random = new Random(12);
        for (int k = 1; k <= 140; k++)
            Check(random, rows: k % 23, k);
    }

    [Fact]
    public void AccumulateUpper_EqualsTheFullKernel_BitForBit_ForEveryRowCountTo100()
    {
        var random = new Random(13);
        for (int rows = 0; rows <= 100; rows++)
            Check(random, rows, k: 1 + rows % 37);
    }

    private static void Check(Random random, int rows, int k)
    {
        int stride = (k + 7) & ~7;
        var a = Signed(random, rows * k + FactorLayout.Padding);
        var start = Signed(random, stride * stride); // both kernels add to what is there: a symmetric start
        for (int s = 0; s < stride; s++)
            for (int t = 0; t < s; t++)
                start[s * stride + t] = start[t * stride + s];
        var full = (float[])start.Clone();
        var upper = new float[stride * stride + 1];
        Array.Copy(start, upper, start.Length);
        upper[^1] = -7.25f;
        fixed (float* pa = a, pf = full, pu = upper)
        {
            VectorKernels.AccumulateGram(pa, rows, k, pf, stride);
            GramKernels.AccumulateUpper(pa, rows, k, pu, stride);
        }
        for (int s = 0; s < k; s++)
            for (int t = s; t < k; t++)
                upper[s * stride + t].Should().Be(full[s * stride + t], $"rows {rows}, rank {k}, entry ({s}, {t})");
        for (int s = 0; s < k; s++)
            for (int t = 0; t < s; t++)
                full[s * stride + t].Should().Be(full[t * stride + s], $"rows {rows}, rank {k}: the full kernel's lower triangle mirrors its upper one ({s}, {t})");
        upper[^1].Should().Be(-7.25f, $"rows {rows}, rank {k}: nothing is written past stride x stride");
    }

    [Theory]
    [InlineData(2500, 1)]
    [InlineData(2500, 7)]
    [InlineData(1500, 20)]
    [InlineData(3000, 100)]
    [InlineData(1100, 110)]
    public void Gram_EqualsTheBlockwiseFullKernel_BitForBit_ForAnyThreadCount(int rows, int k)
    {
        var random = new Random(rows * 31 + k);
        var a = FactorLayout.Allocate(rows, k);
        for (int i = 0; i < rows * k; i++) a[i] = (float)random.NextDouble();
        int stride = (k + 7) & ~7;
        var expected = new double[k * k];
        for (int start = 0; start < rows; start += 1024)
        {
            var partial = new float[k * stride];
            fixed (float* pa = a, pg = partial)
                VectorKernels.AccumulateGram(pa + (long)start * k, Math.Min(1024, rows - start), k, pg, stride);
            for (int s = 0; s < k; s++)
                for (int t = 0; t < k; t++)
                    expected[s * k + t] += partial[s * stride + t];
        }
        FactorOps.Gram(a, rows, k, degree: 1).Should().Equal(expected);
        FactorOps.Gram(a, rows, k, degree: 2).Should().Equal(expected);
    }
}
