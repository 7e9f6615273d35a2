using System.Runtime.Intrinsics;
using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Kernels;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Solvers;

namespace MLNet.Nmf.Tests.Engine.Kernels;

/// <summary>
/// The batch projection (eight rows per SIMD lane, <see cref="global::MLNet.Nmf.Engine.Kernels.ProjectionKernels"/>)
/// against the one-row path it must reproduce bit for bit, over odd ranks, row counts that leave partial batches,
/// a component that is all zeros (G[t,t] = 0), an L1 penalty and a sweep cap that stops rows early.
/// </summary>
public class ProjectionKernelsTests
{
    public static IEnumerable<object[]> Cases() =>
        from k in new[] { 1, 3, 7, 8, 13, 33 }
        from cap in new[] { 3, 500 }
        from l1 in new[] { 0.0, 0.05 }
        from l2 in new[] { 0.01, 0.0 }
        select new object[] { k, cap, l1, l2 };

    [Theory]
    [MemberData(nameof(Cases))]
    public void BatchProjection_EqualsTheOneRowPath_BitForBit(int k, int maxIterations, double l1, double l2)
    {
        // With L2 = 0 the zero component's coordinate has no curvature (G[1,1] = 0): a projection starts at 0 and such a
        // coordinate is only ever set to 0 or kept, so it stays 0 under the old rule (skip) and the new (0 when the
        // gradient, here l1, is positive): the features of models saved before the rule are unchanged.
        var (dense, sparse) = TestData.Random(37, 41, 0.3, seed: k);
        var h = TestData.Uniform(k, 41, seed: 100 + k, low: 0f, high: 1f).Values.ToArray();
        if (k > 2)
            Array.Clear(h, 41, 41); // component 1 is all zeros
        var projector = NmfEngine.CreateProjector(new DenseMatrix(k, 41, h), beta: 2, new Penalty(l1, l2), 1e-6, maxIterations);

        var workspace = projector.CreateWorkspace();
        var oneRow = new float[37 * k];
        for (int i = 0; i < 37; i++)
            projector.Project(sparse.RowIndices(i), sparse.RowValues(i), oneRow.AsSpan(i * k, k), workspace);
        if (k > 2)
            Enumerable.Range(0, 37).Select(i => oneRow[i * k + 1]).Should().OnlyContain(v => v == 0f, "a zero component gives every row a zero feature");

        foreach (var (matrix, threads) in new (INmfMatrix, int)[] { (sparse, 1), (sparse, 2), (dense, 1) })
        {
            var batch = projector.Transform(matrix, threads).Values.ToArray();
            batch.Select(BitConverter.SingleToInt32Bits).Should().Equal(oneRow.Select(BitConverter.SingleToInt32Bits),
                $"{matrix.GetType().Name} rows on {threads} thread(s) are projected in batches of eight");
        }
        oneRow.Should().Contain(v => v > 0f, "the rows are not all projected to zero");
    }

    [Theory]
    [InlineData(5)]
    [InlineData(20)]
    [InlineData(51)]
    [InlineData(100)]
    public void BatchProjection_WithRowsThatNeedTheOneRowPath_EqualsTheOneRowPath_BitForBit(int k)
    {
        // Groups of eight are swept in pairs; a row scaled far out of range sends its group (only) to the one-row path.
        const int rows = 45, columns = 120;
        var values = TestData.Uniform(rows, columns, seed: k, low: 0f, high: 1f).Values.ToArray();
        foreach (int row in new[] { 3, 27, 44 })
            for (int j = 0; j < columns; j++)
                values[row * columns + j] *= 1e20f;
        var x = new DenseMatrix(rows, columns, values);
        var h = TestData.Uniform(k, columns, seed: 200 + k, low: 0f, high: 1f).Values.ToArray();
        var projector = NmfEngine.CreateProjector(new DenseMatrix(k, columns, h), beta: 2, new Penalty(0.05, 0.01), 1e-6, 200);

        var workspace = projector.CreateWorkspace();
        var oneRow = new float[rows * k];
        for (int i = 0; i < rows; i++)
            projector.Project(values.AsSpan(i * columns, columns), oneRow.AsSpan(i * k, k), workspace);

        foreach (int threads in new[] { 1, 2 })
            projector.Transform(x, threads).Values.ToArray().Select(BitConverter.SingleToInt32Bits)
                .Should().Equal(oneRow.Select(BitConverter.SingleToInt32Bits), $"k = {k}, {threads} thread(s)");
        oneRow.AsSpan(27 * k, k).ToArray().Should().Contain(v => v > 0f, "the scaled row is projected too");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(20)]
    [InlineData(33)]
    [InlineData(100)]
    public unsafe void Sweep8x2_EqualsTwoSweep8Calls_BitForBit(int k)
    {
        var random = new Random(k);
        var gram = Enumerable.Range(0, k * k + FactorLayout.Padding).Select(_ => (float)random.NextDouble()).ToArray();
        for (int t = 0; t < k; t++)
            gram[t * k + t] += k;
        if (k > 3)
            gram[2 * k + 2] = 0f; // a zero Hessian entry: that coordinate is skipped
        var order = Enumerable.Range(0, k).OrderBy(_ => random.Next()).ToArray();
        var a = Enumerable.Range(0, 16 * k).Select(_ => random.NextDouble() < 0.3 ? 0f : (float)random.NextDouble()).ToArray();
        var p = Enumerable.Range(0, 16 * k).Select(_ => (float)(3 * random.NextDouble())).ToArray();
        var expected = (float[])a.Clone();
        var actual = (float[])a.Clone();
        var active0 = Vector256.Create(-1, 0, -1, -1, 0, -1, -1, -1).AsSingle();
        var active1 = Vector256.Create(0, -1, -1, 0, -1, -1, -1, 0).AsSingle();
        fixed (float* pe = expected, pa = actual, pp = p, pg = gram)
        fixed (int* po = order)
            for (int sweep = 0; sweep < 3; sweep++)
            {
                ProjectionKernels.Sweep8(pe, pp, pg, 0.05f, k, po, active0);
                ProjectionKernels.Sweep8(pe + 8 * k, pp + 8 * k, pg, 0.05f, k, po, active1);
                ProjectionKernels.Sweep8x2(pa, pp, pa + 8 * k, pp + 8 * k, pg, 0.05f, k, po, active0, active1);
            }

        actual.Select(BitConverter.SingleToInt32Bits).Should().Equal(expected.Select(BitConverter.SingleToInt32Bits));
        actual.Should().NotEqual(a, "the sweeps moved the rows");
    }
}
