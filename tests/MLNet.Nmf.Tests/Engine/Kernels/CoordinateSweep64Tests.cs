using MLNet.Nmf.Engine.Kernels;
using MLNet.Nmf.Engine.Parallelism;
using MLNet.Nmf.Engine.Solvers;

namespace MLNet.Nmf.Tests.Engine.Kernels;

/// <summary>
/// <see cref="WideKernels.CoordinateSweep64"/> (eight groups of eight rows in four 16-lane blocks swept together) against
/// one <see cref="VectorKernels.CoordinateSweep8"/> call per group: the same rows, first-sweep violations and executed
/// sweep counts bit for bit, over odd and even ranks, every live count 1..64, 1..5 inner sweeps with groups stopping at
/// different sweeps, an L1 penalty and a zero Hessian entry; and <see cref="CoordinateDescentSolver.UpdateFactor"/>
/// (which uses it) against a plain loop of 8-lane calls.
/// </summary>
public unsafe class CoordinateSweep64Tests
{
    private const float L1 = 0.01f;

    public static IEnumerable<object[]> Ranks() =>
        new[] { 1, 2, 3, 4, 5, 7, 9, 13, 20, 31, 50, 69, 70, 100 }.Select(k => new object[] { k });

    [Theory]
    [MemberData(nameof(Ranks))]
    public void CoordinateSweep64_EqualsOneEightLaneSweepPerGroup_BitForBit(int k)
    {
        // Runs where 512-bit vectors are not accelerated too (in software): the kernel must be right wherever it is used.
        for (int sweeps = 1; sweeps <= 5; sweeps++)
        {
            // A strong diagonal (as L2 gives) makes groups converge within a few sweeps, so their inner stops differ.
            var random = new Random(k * 10 + sweeps);
            var gram = Gram(k, random, diagonal: 1f);
            for (int count = 1; count <= 64; count++)
            {
                var (rows, products) = Rows(64, k, random);
                var actual = SameAsEightLaneSweeps(rows, products, gram, k, Order(k, random), count, sweeps, out string because);
                actual.AsSpan(count * k).ToArray().Should().Equal(rows.AsSpan(count * k).ToArray(), "rows past count are not touched ({0})", because);
            }
        }
    }

    [Theory]
    [InlineData(4)]
    [InlineData(13)]
    [InlineData(50)]
    public void CoordinateSweep64_WithZeroCurvature_EqualsOneEightLaneSweepPerGroup_BitForBit(int k)
    {
        // Coordinate 1 has no curvature (G[1,1] = 0, its Gram row kept): the rows whose gradient there is positive set it
        // to 0, the others keep it, in every lane layout alike; dead blocks hold garbage and must stay out of it.
        var random = new Random(k + 7);
        var gram = Gram(k, random, diagonal: 1f);
        gram[1 * k + 1] = 0f;
        for (int sweeps = 1; sweeps <= 3; sweeps++)
            foreach (int count in new[] { 1, 9, 17, 33, 64 })
            {
                var (rows, products) = Rows(64, k, random);
                var actual = SameAsEightLaneSweeps(rows, products, gram, k, Order(k, random), count, sweeps, out string because);
                if (count == 64)
                    Enumerable.Range(0, count).Should().Contain(r => rows[r * k + 1] != 0f && actual[r * k + 1] == 0f, "the premise: a positive gradient zeroed the coordinate ({0})", because);
            }
    }

    [Fact]
    public void CoordinateSweep64_GroupsStopAtTheirOwnSweep()
    {
        // The equality above is only worth something if groups do stop at different sweeps: here groups 1 and 6 (rows
        // at zero with products below L1, which never move) stop after their second sweep, while the other rows have an
        // optimum under a weak diagonal (products = G·x* + L1 with x* ≥ 0), so coordinate descent creeps
        // towards it and each group stops at its own later sweep; the kernel reports that per group as the 8-lane one does.
        const int k = 20, sweeps = 50;
        var random = new Random(3);
        var gram = Gram(k, random, diagonal: 0.05f * k);
        var (rows, products) = Rows(64, k, random);
        for (int r = 0; r < 64; r++)
        {
            // Group g's optimum has 2·g coordinates at zero (held there by a product 1 below the balance), so the
            // groups differ in how coupled their free coordinates are.
            int zeros = 2 * (r / 8);
            var optimum = Enumerable.Range(0, k).Select(u => u < zeros ? 0 : 0.5 + random.NextDouble()).ToArray();
            for (int t = 0; t < k; t++)
                products[r * k + t] = (float)(Enumerable.Range(0, k).Sum(u => gram[t * k + u] * optimum[u]) + L1 - (t < zeros ? 1 : 0));
        }
        foreach (int stuck in new[] { 1, 6 })
        {
            Array.Clear(rows, stuck * 8 * k, 8 * k);
            Array.Fill(products, L1 / 2, stuck * 8 * k, 8 * k);
        }
        var order = Order(k, random);
        var expected = (float[])rows.Clone();
        var (_, expectedExecuted) = EightLaneSweeps(expected, products, gram, k, order, 64, sweeps);

        var (_, executed) = Sweep64(rows, products, gram, k, order, 64, sweeps);

        executed.Should().Equal(expectedExecuted);
        executed[1].Should().Be(2);
        executed[6].Should().Be(2);
        executed.Where((_, group) => group != 1 && group != 6).Should().OnlyContain(run => run > 2 && run < sweeps);
        executed.Distinct().Should().HaveCountGreaterThan(2, "the moving groups stop at different sweeps too");
        rows.Select(BitConverter.SingleToInt32Bits).Should().Equal(expected.Select(BitConverter.SingleToInt32Bits));
    }

    [Theory]
    [InlineData(5, 300, 256, 1)]
    [InlineData(20, 300, 256, 5)]
    [InlineData(20, 77, 77, 5)]
    [InlineData(33, 72, 72, 3)]
    [InlineData(9, 200, 40, 2)]
    [InlineData(20, 31, 256, 50)]
    [InlineData(1, 131, 256, 3)]
    [InlineData(7, 250, 256, 4)]
    [InlineData(31, 129, 256, 5)]
    [InlineData(32, 200, 100, 3)]
    [InlineData(37, 300, 256, 4)]
    [InlineData(64, 190, 256, 3)]
    [InlineData(65, 77, 77, 2)]
    [InlineData(100, 150, 150, 2)]
    [InlineData(127, 140, 256, 2)]
    [InlineData(130, 90, 256, 3)]
    public void UpdateFactor_EqualsEightLaneLoop_BitForBit(int k, int rowCount, int blockSize, int sweeps)
    {
        // Blocks of 256 rows and ones that end in 17..64, 9..16 and 1..8 rows go through the 64-, 16- and 8-lane paths;
        // ranks with every k mod 8 (the masked transposes of the last columns) and from 32 on (the next rows prefetched
        // while a block of 64 is swept).
        var random = new Random(k + rowCount);
        var gram = Gram(k, random, diagonal: 1f);
        var (rows, products) = Rows(rowCount, k, random);
        var order = Order(k, random);
        var blocks = BlockPartition.Even(rowCount, blockSize);
        var expected = (float[])rows.Clone();
        double expectedViolation = 0;
        for (int block = 0; block < blocks.BlockCount; block++)
            for (int i = blocks.Start(block); i < blocks.End(block); i += 8)
            {
                int count = Math.Min(8, blocks.End(block) - i);
                var (v, _) = EightLaneSweeps(expected, products, gram, k, order, count, sweeps, i);
                expectedViolation += v[0];
            }

        var actual = (float[])rows.Clone();
        double violation = CoordinateDescentSolver.UpdateFactor(actual, products, gram, L1, k, order, blocks, degree: 1, sweeps);

        actual.Select(BitConverter.SingleToInt32Bits).Should().Equal(expected.Select(BitConverter.SingleToInt32Bits));
        violation.Should().Be(expectedViolation);
    }

    /// <summary>A Gram matrix HHᵀ (+ diagonal) of a random non-negative H (k x 2k), with G[0,0] = 0 when k &gt; 3.</summary>
    /// <summary>Sweeps copies of <paramref name="rows"/> with the 64-row kernel and with one 8-lane call per group, asserts the same bits, violations and sweep counts, and returns the 64-row result.</summary>
    private static float[] SameAsEightLaneSweeps(float[] rows, float[] products, float[] gram, int k, int[] order, int count, int sweeps, out string because)
    {
        var expected = (float[])rows.Clone();
        var (expectedViolations, expectedExecuted) = EightLaneSweeps(expected, products, gram, k, order, count, sweeps);
        var actual = (float[])rows.Clone();
        var (violations, executed) = Sweep64(actual, products, gram, k, order, count, sweeps);
        because = $"k = {k}, count = {count}, sweeps = {sweeps}";
        actual.Select(BitConverter.SingleToInt32Bits).Should().Equal(expected.Select(BitConverter.SingleToInt32Bits), because);
        violations.Should().Equal(expectedViolations, because);
        executed.Should().Equal(expectedExecuted, because);
        return actual;
    }

    private static float[] Gram(int k, Random random, float diagonal)
    {
        var h = Enumerable.Range(0, k * 2 * k).Select(_ => (float)random.NextDouble()).ToArray();
        var gram = new float[k * k + FactorLayout.Padding];
        for (int s = 0; s < k; s++)
        {
            for (int t = 0; t < k; t++)
                for (int j = 0; j < 2 * k; j++)
                    gram[s * k + t] += h[s * 2 * k + j] * h[t * 2 * k + j];
            gram[s * k + s] += diagonal;
        }
        if (k > 3)
            gram[0] = 0f; // a zero diagonal entry: that coordinate is never moved
        return gram;
    }

    private static (float[] Rows, float[] Products) Rows(int count, int k, Random random) => (
        Enumerable.Range(0, count * k).Select(_ => random.NextDouble() < 0.3 ? 0f : (float)random.NextDouble()).ToArray(),
        Enumerable.Range(0, count * k).Select(_ => (float)(3 * random.NextDouble())).ToArray());

    private static int[] Order(int k, Random random) => Enumerable.Range(0, k).OrderBy(_ => random.Next()).ToArray();

    /// <summary>One <see cref="VectorKernels.CoordinateSweep8"/> call per group of eight rows from <paramref name="start"/>.</summary>
    private static (double[] Violations, int[] Executed) EightLaneSweeps(float[] rows, float[] products, float[] gram, int k, int[] order,
        int count, int sweeps, int start = 0)
    {
        var violations = new double[(count + 7) / 8];
        var executed = new int[(count + 7) / 8];
        var lanesA = new float[k * 8];
        var lanesP = new float[k * 8];
        fixed (float* pr = rows, pp = products, pg = gram, la = lanesA, lp = lanesP)
        fixed (int* po = order, pe = executed)
            for (int group = 0; group < violations.Length; group++)
            {
                int live = Math.Min(8, count - group * 8);
                long offset = (long)(start + group * 8) * k;
                VectorKernels.ToLanes(pr + offset, live, k, la);
                VectorKernels.ToLanes(pp + offset, live, k, lp);
                violations[group] = VectorKernels.CoordinateSweep8(la, lp, pg, L1, k, po, live, sweeps, pe + group);
                VectorKernels.FromLanes(la, live, k, pr + offset);
            }
        return (violations, executed);
    }

    private static (double[] Violations, int[] Executed) Sweep64(float[] rows, float[] products, float[] gram, int k, int[] order, int count, int sweeps)
    {
        var violations = new double[8];
        var executed = new int[8];
        // Blocks without live rows hold garbage, as the solver's reused scratch may: the kernel must not depend on it.
        var lanesA = Enumerable.Repeat(float.NaN, k * 64).ToArray();
        var lanesP = Enumerable.Repeat(-1e30f, k * 64).ToArray();
        fixed (float* pr = rows, pp = products, pg = gram, la = lanesA, lp = lanesP)
        fixed (int* po = order, pe = executed)
        fixed (double* pv = violations)
        {
            for (int b = 0; b * 16 < count; b++)
            {
                WideKernels.ToLanes(pr + b * 16 * k, Math.Min(16, count - b * 16), k, la + b * 16 * k);
                WideKernels.ToLanes(pp + b * 16 * k, Math.Min(16, count - b * 16), k, lp + b * 16 * k);
            }
            WideKernels.CoordinateSweep64(la, lp, pg, L1, k, po, count, sweeps, pv, pe);
            for (int b = 0; b * 16 < count; b++)
                WideKernels.FromLanes(la + b * 16 * k, Math.Min(16, count - b * 16), k, pr + b * 16 * k);
        }
        int groups = (count + 7) / 8;
        violations.Skip(groups).Where(v => v != 0).Should().BeEmpty("groups without live rows report no violation");
        executed.Skip(groups).Where(run => run != 0).Should().BeEmpty("groups without live rows run no sweep");
        return (violations.Take(groups).ToArray(), executed.Take(groups).ToArray());
    }
}
