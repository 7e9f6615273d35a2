using MLNet.Nmf.Engine.Kernels;

namespace MLNet.Nmf.Tests.Engine.Kernels;

/// <summary>
/// <see cref="WideKernels.CoordinateSweep16"/> (two groups of eight rows in 16 lanes) against two calls of
/// <see cref="VectorKernels.CoordinateSweep8"/>: the same features and violations bit for bit, over odd ranks, partial
/// second groups, one and many inner sweeps (each group keeping its own inner stopping rule) and an L1 penalty.
/// </summary>
public unsafe class WideKernelsTests
{
    public static IEnumerable<object[]> Cases() =>
        from k in new[] { 1, 3, 4, 7, 13, 50 }
        from count in new[] { 9, 13, 16 }
        from sweeps in new[] { 1, 4, 50 }
        select new object[] { k, count, sweeps };

    [Theory]
    [MemberData(nameof(Cases))]
    public void CoordinateSweep16_EqualsTwoEightLaneSweeps_BitForBit(int k, int count, int sweeps)
    {
        // Runs where 512-bit vectors are not accelerated too (in software): the kernel must be right wherever it is used.
        var random = new Random(k * 100 + count * 7 + sweeps);
        // A Gram matrix HHᵀ of a random non-negative H (k x 2k), so the problem is the solver's.
        var h = Enumerable.Range(0, k * 2 * k).Select(_ => (float)random.NextDouble()).ToArray();
        var gram = new float[k * k + FactorLayout.Padding];
        for (int s = 0; s < k; s++)
            for (int t = 0; t < k; t++)
                for (int j = 0; j < 2 * k; j++)
                    gram[s * k + t] += h[s * 2 * k + j] * h[t * 2 * k + j];
        gram[0] = k > 3 ? 0f : gram[0]; // a zero diagonal entry: that coordinate goes to 0 where its gradient is positive, else stays
        var rows = Enumerable.Range(0, count * k).Select(_ => random.NextDouble() < 0.3 ? 0f : (float)random.NextDouble()).ToArray();
        var products = Enumerable.Range(0, count * k).Select(_ => (float)(3 * random.NextDouble())).ToArray();
        var order = Enumerable.Range(0, k).Reverse().ToArray();
        const float l1 = 0.01f;

        var expected = (float[])rows.Clone();
        double expectedA, expectedB;
        var lanesA = new float[k * 8];
        var lanesP = new float[k * 8];
        fixed (float* pe = expected, pp = products, pg = gram, la = lanesA, lp = lanesP)
        fixed (int* po = order)
        {
            VectorKernels.ToLanes(pe, 8, k, la);
            VectorKernels.ToLanes(pp, 8, k, lp);
            expectedA = VectorKernels.CoordinateSweep8(la, lp, pg, l1, k, po, 8, sweeps);
            VectorKernels.FromLanes(la, 8, k, pe);
            VectorKernels.ToLanes(pe + 8 * k, count - 8, k, la);
            VectorKernels.ToLanes(pp + 8 * k, count - 8, k, lp);
            expectedB = VectorKernels.CoordinateSweep8(la, lp, pg, l1, k, po, count - 8, sweeps);
            VectorKernels.FromLanes(la, count - 8, k, pe + 8 * k);
        }

        var actual = (float[])rows.Clone();
        var wideA = new float[k * 16];
        var wideP = new float[k * 16];
        (double A, double B) violations;
        fixed (float* pa = actual, pp = products, pg = gram, la = wideA, lp = wideP)
        fixed (int* po = order)
        {
            WideKernels.ToLanes(pa, count, k, la);
            WideKernels.ToLanes(pp, count, k, lp);
            violations = WideKernels.CoordinateSweep16(la, lp, pg, l1, k, po, count, sweeps);
            WideKernels.FromLanes(la, count, k, pa);
        }

        actual.Select(BitConverter.SingleToInt32Bits).Should().Equal(expected.Select(BitConverter.SingleToInt32Bits));
        violations.A.Should().Be(expectedA);
        violations.B.Should().Be(expectedB);
        actual.Should().NotEqual(rows, "the sweeps moved the rows");
    }

    [Fact]
    public void ToLanesAndFromLanes_CopyEveryRowAndRank()
    {
        // The 8 x 8 transposes and the element-by-element rest against the definition: every count of live rows.
        var mismatches = new List<string>();
        for (int k = 1; k <= 41; k++)
            for (int count = 0; count <= 16; count++)
                mismatches.AddRange(LaneRoundTripMismatches(k, count));
        mismatches.Should().BeEmpty();
    }

    [Fact]
    public void ToLanesAndFromLanes_LastColumnsThroughMaskedTransposes_CopyEveryRankTo130()
    {
        // The k mod 8 last columns of full groups of eight rows go through one masked 8 x 8 transpose (AVX-512VL) each
        // way: every rank 1..130 (every width 1..7 many times over) and live counts around the group edges.
        var mismatches = new List<string>();
        for (int k = 1; k <= 130; k++)
            foreach (int count in new[] { 0, 1, 7, 8, 9, 15, 16 })
                mismatches.AddRange(LaneRoundTripMismatches(k, count));
        mismatches.Should().BeEmpty();
    }

    /// <summary>
    /// ToLanes then FromLanes of <paramref name="count"/> rows of rank k against the definition (lane r of vector t =
    /// row r, slot t; 0 past count), bit for bit; FromLanes must leave the rows past count untouched.
    /// </summary>
    private static List<string> LaneRoundTripMismatches(int k, int count)
    {
        var mismatches = new List<string>();
        var rows = Enumerable.Range(0, 16 * k).Select(i => i + 0.25f).ToArray();
        var lanes = Enumerable.Repeat(float.NaN, 16 * k).ToArray();
        var back = Enumerable.Repeat(-1f, 16 * k).ToArray();
        fixed (float* pr = rows, pl = lanes, pb = back)
        {
            WideKernels.ToLanes(pr, count, k, pl);
            WideKernels.FromLanes(pl, count, k, pb);
        }
        for (int t = 0; t < k; t++)
            for (int r = 0; r < 16; r++)
            {
                float expected = r < count ? rows[r * k + t] : 0f;
                if (BitConverter.SingleToInt32Bits(lanes[t * 16 + r]) != BitConverter.SingleToInt32Bits(expected))
                    mismatches.Add($"ToLanes k = {k}, count = {count}: lane {r} of vector {t} is {lanes[t * 16 + r]}, not {expected}");
            }
        for (int i = 0; i < 16 * k; i++)
        {
            float expected = i < count * k ? rows[i] : -1f;
            if (back[i] != expected)
                mismatches.Add($"FromLanes k = {k}, count = {count}: float {i} (row {i / k}, slot {i % k}) is {back[i]}, not {expected}");
        }
        return mismatches;
    }
}
