using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Sharded;

namespace MLNet.Nmf.Tests.Engine.Sharded;

public class ShardedFitTests
{
    private static readonly NmfFitOptions Options = new()
    {
        Rank = 6, Initialization = NmfInitialization.Random, MaxIterations = 25, Tolerance = 0, Seed = 3,
    };

    /// <summary>Rows [start, end) of a CSR matrix as its own CSR matrix.</summary>
    internal static CsrMatrix Rows(CsrMatrix x, int start, int end)
    {
        int from = x.RowPointers[start], to = x.RowPointers[end];
        var pointers = new int[end - start + 1];
        for (int i = start; i <= end; i++)
            pointers[i - start] = x.RowPointers[i] - from;
        return new CsrMatrix(end - start, x.Columns, pointers, x.ColumnIndices[from..to].ToArray(), x.Values[from..to].ToArray());
    }

    [Fact]
    public void Fit_OneBlock_IsTheEngineFitWithARandomStart_BitForBit()
    {
        var x = TestData.TextTfidf(200);
        var engine = NmfEngine.Fit(x, Options);
        var sharded = ShardedFit.Fit(new[] { x }, Options);

        sharded.H.Values.ToArray().Should().Equal(engine.H.Values.ToArray());
        sharded.LossHistory.Should().Equal(engine.LossHistory);
        sharded.Iterations.Should().Be(engine.Iterations);
    }

    [Fact]
    public void Fit_SixBlocks_SameSeed_IsBitIdenticalForAnyThreadCount_AndCloseToOneBlock()
    {
        var x = TestData.TextTfidf(240);
        var blocks = Enumerable.Range(0, 6).Select(b => (INmfMatrix)Rows(x, b * 40, (b + 1) * 40)).ToArray();
        var one = ShardedFit.Fit(blocks, Options with { DegreeOfParallelism = 1 });
        var two = ShardedFit.Fit(blocks, Options with { DegreeOfParallelism = 2 });
        var whole = ShardedFit.Fit(new[] { x }, Options);

        two.H.Values.ToArray().Should().Equal(one.H.Values.ToArray());
        // Only the order of float additions differs from the one-block fit (X_bᵀW_b per block, then summed in double).
        one.RelativeError.Should().BeApproximately(whole.RelativeError, 1e-3);
        one.LossHistory[^1].Should().BeLessThan(one.LossHistory[0]);
    }

    [Fact]
    public void Plan_UnsupportedSolver_IsNamed()
    {
        var x = TestData.TextTfidf(50);
        var act = () => ShardedFit.Fit(new[] { x }, Options with { Solver = NmfSolver.MultiplicativeUpdate });
        act.Should().Throw<ArgumentException>().WithMessage("Solver MultiplicativeUpdate is not supported by the sharded fit*");
    }

    [Fact]
    public void Plan_BlocksOfDifferentWidths_NameTheBlock()
    {
        var a = new DenseMatrix(2, 3, new float[] { 1, 0, 1, 0, 1, 1 });
        var b = new DenseMatrix(2, 4, new float[] { 1, 0, 1, 0, 0, 1, 1, 0 });
        var act = () => ShardedFit.Fit(new INmfMatrix[] { a, b }, Options with { Rank = 1 });
        act.Should().Throw<ArgumentException>().WithMessage("Shard 1 has 4 columns but shard 0 has 3*");
    }
}
