using MLNet.Nmf.Engine.Kernels;

namespace MLNet.Nmf.Tests.Engine.Kernels;

/// <summary>
/// The register-tiled upper-triangle Gram (<see cref="GramKernels.AccumulateUpper"/>) against its scalar reference
/// <see cref="ScalarKernels.AccumulateGram"/>: bit for bit on every entry on or above the diagonal (one FMA per row,
/// rows in order), and <see cref="FactorOps.Gram"/>, which mirrors it, bit for bit against the blockwise reference.
/// </summary>
public unsafe class GramKernelsTests
{
    private const float Sentinel = -7.25f;

    private static float[] Signed(Random random, int length) =>
        Enumerable.Range(0, length).Select(_ => (float)(2 * random.NextDouble() - 1)).ToArray();

    [Fact]
    public void AccumulateUpper_EqualsTheScalarReference_BitForBit_ForEveryRankTo256()
    {
        var random = new Random(12);
        for (int k = 1; k <= 256; k++)
            Check(random, rows: k % 23, k);
    }

    [Fact]
    public void AccumulateUpper_EqualsTheScalarReference_BitForBit_ForEveryRowCountTo256()
    {
        var random = new Random(13);
        for (int rows = 0; rows <= 256; rows++)
            Check(random, rows, k: 1 + rows % 37);
    }

    private static void Check(Random random, int rows, int k)
    {
        int stride = (k + 7) & ~7;
        var a = Signed(random, rows * k + FactorLayout.Padding);
        var start = Signed(random, k * k); // both add to what is there
        var reference = (float[])start.Clone();
        var upper = new float[stride * stride + 1];
        for (int s = 0; s < k; s++)
            for (int t = 0; t < k; t++)
                upper[s * stride + t] = start[s * k + t];
        upper[^1] = Sentinel;
        fixed (float* pa = a, pu = upper)
            GramKernels.AccumulateUpper(pa, rows, k, pu, stride);
        ScalarKernels.AccumulateGram(a, rows, k, reference);
        for (int s = 0; s < k; s++)
            for (int t = s; t < k; t++)
                upper[s * stride + t].Should().Be(reference[s * k + t], $"rows {rows}, rank {k}, entry ({s}, {t})");
        upper[^1].Should().Be(Sentinel, $"rows {rows}, rank {k}: nothing is written past stride x stride");
    }

    [Fact]
    public void ScalarReference_IsSymmetricBitForBit_SoMirroringTheUpperTriangleIsExact()
    {
        var random = new Random(14);
        foreach (int k in new[] { 1, 5, 20, 33 })
        {
            var a = Signed(random, 40 * k);
            var gram = new float[k * k];
            ScalarKernels.AccumulateGram(a, 40, k, gram);
            for (int s = 0; s < k; s++)
                for (int t = 0; t < s; t++)
                    gram[s * k + t].Should().Be(gram[t * k + s], $"rank {k}, entry ({s}, {t}): fma(a, b, c) = fma(b, a, c)");
        }
    }

    [Theory]
    [InlineData(2500, 1)]
    [InlineData(2500, 7)]
    [InlineData(1500, 20)]
    [InlineData(3000, 100)]
    [InlineData(1100, 110)]
    public void Gram_EqualsTheBlockwiseScalarReference_BitForBit_ForAnyThreadCount(int rows, int k)
    {
        var random = new Random(rows * 31 + k);
        var a = FactorLayout.Allocate(rows, k);
        for (int i = 0; i < rows * k; i++) a[i] = (float)random.NextDouble();
        var expected = new double[k * k];
        for (int start = 0; start < rows; start += 1024)
        {
            int count = Math.Min(1024, rows - start);
            var partial = new float[k * k];
            ScalarKernels.AccumulateGram(a.AsSpan(start * k, count * k), count, k, partial);
            for (int i = 0; i < k * k; i++)
                expected[i] += partial[i];
        }
        FactorOps.Gram(a, rows, k, degree: 1).Should().Equal(expected);
        FactorOps.Gram(a, rows, k, degree: 2).Should().Equal(expected);
    }
}
