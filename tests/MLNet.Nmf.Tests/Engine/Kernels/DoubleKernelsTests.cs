using MLNet.Nmf.Engine.Kernels;

namespace MLNet.Nmf.Tests.Engine.Kernels;

/// <summary>
/// <see cref="DoubleKernels"/> against their references in <see cref="ScalarKernels"/> over odd ranks: the Gram
/// kernel adds in the reference's order (equal bits); the gathered dots sum in four lanes, so they are held to the
/// double-precision reduction bound 2γₖ·Σ|terms| (γₖ = k·2⁻⁵³), products of two floats being exact in double.
/// </summary>
public unsafe class DoubleKernelsTests
{
    private static float[] Values(Random random, int length) =>
        Enumerable.Range(0, length).Select(_ => (float)random.NextDouble()).ToArray();

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(13)]
    [InlineData(100)]
    public void AccumulateGramUpper_EqualsScalarReference_BitForBit(int k)
    {
        var random = new Random(k);
        const int rows = 11;
        var a = Values(random, rows * k + FactorLayout.Padding);
        var expected = new double[k * k];
        ScalarKernels.AccumulateGramUpper(a, rows, k, expected);
        var actual = new double[k * k];
        fixed (float* pa = a)
        fixed (double* pg = actual)
            DoubleKernels.AccumulateGramUpper(pa, rows, k, pg);
        for (int s = 0; s < k; s++)
            for (int t = s; t < k; t++)
                actual[s * k + t].Should().Be(expected[s * k + t], $"entry ({s}, {t}) of a rank-{k} Gram matrix");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(8)]
    [InlineData(17)]
    [InlineData(100)]
    public void GatherRowDotsDouble_IsWithinTheReductionBound(int k)
    {
        var random = new Random(k);
        const int factorRows = 9;
        var factor = Values(random, factorRows * k + FactorLayout.Padding);
        var w = Values(random, k);
        int[] indices = [0, 3, 8, 8, 5];
        var expected = new double[indices.Length];
        ScalarKernels.GatherRowDotsDouble(w, indices, factor, k, expected);
        var padded = new double[(k + 7) & ~7];
        for (int t = 0; t < k; t++)
            padded[t] = w[t];
        var actual = new double[indices.Length];
        fixed (double* pw = padded, po = actual)
        fixed (int* pi = indices)
        fixed (float* pf = factor)
            DoubleKernels.GatherRowDotsDouble(pw, pi, indices.Length, pf, k, po);
        for (int p = 0; p < indices.Length; p++)
        {
            double bound = 2 * (k + 1) * Math.Pow(2, -53) * expected[p]; // all terms positive: Σ|terms| = the sum
            Math.Abs(actual[p] - expected[p]).Should().BeLessThanOrEqualTo(bound, $"dot {p} at rank {k}");
            expected[p].Should().BeGreaterThan(0);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(47)]
    [InlineData(1000)]
    [InlineData(20_003)]
    public void ElementwiseDot_EqualsItsLaneOrderReference_AndIsWithinTheBoundOfTheSequentialSum(int count)
    {
        var random = new Random(count + 1);
        // Mixed signs and magnitudes, so the order of the additions shows in the last bits.
        var a = Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() - 0.3) * Math.Pow(10, random.Next(-3, 4)))).ToArray();
        var b = Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() - 0.3) * Math.Pow(10, random.Next(-3, 4)))).ToArray();
        double expected = ScalarKernels.ElementwiseDot(a, b, count);
        double actual;
        fixed (float* pa = a, pb = b)
            actual = DoubleKernels.ElementwiseDot(pa, pb, count);
        actual.Should().Be(expected, "the vector kernel adds in its reference's lane order");
        FactorOps.ElementwiseDot(a, b, count).Should().Be(expected);

        double sequential = 0, magnitude = 0;
        for (int i = 0; i < count; i++)
        {
            sequential += (double)a[i] * b[i];
            magnitude += Math.Abs((double)a[i] * b[i]);
        }
        Math.Abs(actual - sequential).Should().BeLessThanOrEqualTo(2 * (count + 1) * Math.Pow(2, -53) * magnitude);
    }

    [Fact]
    public void ElementwiseDot_RejectsACountBeyondItsSpans()
    {
        var act = () => FactorOps.ElementwiseDot(new float[3], new float[5], 4);
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*within both spans (3 and 5 entries)*");
    }
}
