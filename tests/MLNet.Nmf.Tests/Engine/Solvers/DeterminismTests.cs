using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Tests.Engine.Support;

namespace MLNet.Nmf.Tests.Engine.Solvers;

/// <summary>
/// Results depend on the seed only, never on the thread count: work is split in blocks fixed by the
/// data (256 rows for factor updates, nnz-balanced rows for CSR products, 1024 rows for Gram matrices)
/// and partial results are added in block order.
/// </summary>
public class DeterminismTests
{
    public static IEnumerable<object[]> SolversByStorage() =>
        from c in SolverCases.All from s in new[] { Storage.Dense, Storage.Sparse } select new object[] { c.Solver, c.Loss, s };

    [Theory]
    [MemberData(nameof(SolversByStorage))]
    public void Fit_SameSeed_IsBitIdentical_With1And4Threads(NmfSolver solver, NmfLoss loss, Storage storage)
    {
        // 3000 x 300 CSR: 12 row blocks of 256 for W, 2 for H, 3 Gram blocks, ~256 nnz-balanced product
        // blocks. Dense: 1200 x 100, ~8 product blocks of 160 rows and 5 factor blocks.
        var (dense, sparse) = storage == Storage.Sparse ? TestData.Random(3000, 300, 0.02, seed: 8) : TestData.Random(1200, 100, 0.3, seed: 8);
        var x = storage == Storage.Sparse ? (INmfMatrix)sparse : dense;
        var options = new NmfFitOptions
        {
            Solver = solver, Loss = loss, Rank = 6, MaxIterations = 8, Tolerance = 0, Shuffle = true, Seed = 42, AlphaW = 0.0001, L1Ratio = 0.5,
        };

        var one = NmfEngine.Fit(x, options with { DegreeOfParallelism = 1 });
        var four = NmfEngine.Fit(x, options with { DegreeOfParallelism = 4 });

        four.W.Values.ToArray().Should().Equal(one.W.Values.ToArray());
        four.H.Values.ToArray().Should().Equal(one.H.Values.ToArray());
        four.LossHistory.Should().Equal(one.LossHistory);
        four.Objective.Should().Be(one.Objective);
        four.RelativeError.Should().Be(one.RelativeError);
    }

    [Theory]
    [InlineData(NmfInitialization.Nndsvd)]
    [InlineData(NmfInitialization.Nndsvdar)]
    [InlineData(NmfInitialization.Random)]
    public void Fit_SameSeedAndInit_IsBitIdentical_With1And3Threads(NmfInitialization init)
    {
        var (_, x) = TestData.Random(3000, 300, 0.02, seed: 9);
        var options = new NmfFitOptions { Rank = 5, MaxIterations = 3, Initialization = init, Seed = 5 };
        var one = NmfEngine.Fit(x, options with { DegreeOfParallelism = 1 });
        var three = NmfEngine.Fit(x, options with { DegreeOfParallelism = 3 });
        three.H.Values.ToArray().Should().Equal(one.H.Values.ToArray());
        three.LossHistory.Should().Equal(one.LossHistory);
    }

    [Fact]
    public void Fit_DifferentSeeds_GiveDifferentFactors()
    {
        var (_, x) = TestData.Random(100, 40, 0.3, seed: 3);
        var options = new NmfFitOptions { Rank = 4, MaxIterations = 5, Initialization = NmfInitialization.Random };
        var a = NmfEngine.Fit(x, options with { Seed = 1 });
        var b = NmfEngine.Fit(x, options with { Seed = 2 });
        b.H.Values.ToArray().Should().NotEqual(a.H.Values.ToArray(), "the seed drives the random start; equal results would mean it is ignored");
    }

    [Fact]
    public void Transform_IsBitIdentical_With1And4Threads()
    {
        var x = TestData.TextTfidf(300);
        var result = NmfEngine.Fit(x, new NmfFitOptions { Rank = 6, MaxIterations = 10, Solver = NmfSolver.CoordinateDescentKL, Loss = NmfLoss.KullbackLeibler });
        result.Projector.Transform(x, 4).Values.ToArray().Should().Equal(result.Projector.Transform(x, 1).Values.ToArray());
    }
}
