using MLNet.Nmf.Engine;
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
        select new object[] { k, cap, l1 };

    [Theory]
    [MemberData(nameof(Cases))]
    public void BatchProjection_EqualsTheOneRowPath_BitForBit(int k, int maxIterations, double l1)
    {
        var (dense, sparse) = TestData.Random(37, 41, 0.3, seed: k);
        var h = TestData.Uniform(k, 41, seed: 100 + k, low: 0f, high: 1f).Values.ToArray();
        if (k > 2)
            Array.Clear(h, 41, 41); // component 1 is all zeros: its coordinate is never updated
        var projector = NmfEngine.CreateProjector(new DenseMatrix(k, 41, h), beta: 2, new Penalty(l1, 0.01), 1e-6, maxIterations);

        var workspace = projector.CreateWorkspace();
        var oneRow = new float[37 * k];
        for (int i = 0; i < 37; i++)
            projector.Project(sparse.RowIndices(i), sparse.RowValues(i), oneRow.AsSpan(i * k, k), workspace);

        foreach (var (matrix, threads) in new (INmfMatrix, int)[] { (sparse, 1), (sparse, 2), (dense, 1) })
        {
            var batch = projector.Transform(matrix, threads).Values.ToArray();
            batch.Select(BitConverter.SingleToInt32Bits).Should().Equal(oneRow.Select(BitConverter.SingleToInt32Bits),
                $"{matrix.GetType().Name} rows on {threads} thread(s) are projected in batches of eight");
        }
        oneRow.Should().Contain(v => v > 0f, "the rows are not all projected to zero");
    }
}
