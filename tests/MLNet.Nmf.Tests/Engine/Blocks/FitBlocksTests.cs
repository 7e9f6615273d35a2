using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Tests.Engine.Support;

namespace MLNet.Nmf.Tests.Engine.Blocks;

/// <summary>
/// <see cref="NmfEngine.FitBlocks"/>, the single-machine reference of every block-wise driver: one block is
/// <see cref="NmfEngine.Fit"/> bit for bit; several blocks give a result that depends on the seed and the
/// split only (never on threads) and fits as well as the in-memory fit.
/// </summary>
public class FitBlocksTests
{
    public static IEnumerable<object[]> OneBlockCases() =>
        from s in new[] { Storage.Dense, Storage.Sparse }
        from c in new[] { "default", "shuffle-random", "penalties", "inner1" }
        select new object[] { s, c };

    [Theory]
    [MemberData(nameof(OneBlockCases))]
    public void FitBlocks_OneBlock_IsBitIdenticalToFit(Storage storage, string settings)
    {
        var (dense, sparse) = TestData.Random(900, 120, 0.1, seed: 21);
        INmfMatrix x = storage == Storage.Sparse ? sparse : dense;
        var options = Options(settings) with { DegreeOfParallelism = 2 };

        var fit = NmfEngine.Fit(x, options);
        var blocks = NmfEngine.FitBlocks(new[] { x }, options);

        blocks.W.Values.ToArray().Should().Equal(fit.W.Values.ToArray());
        blocks.H.Values.ToArray().Should().Equal(fit.H.Values.ToArray());
        blocks.LossHistory.Should().Equal(fit.LossHistory);
        blocks.Iterations.Should().Be(fit.Iterations);
        blocks.Objective.Should().Be(fit.Objective);
        blocks.RelativeError.Should().Be(fit.RelativeError);
    }

    [Theory]
    [InlineData(Storage.Sparse)]
    [InlineData(Storage.Dense)]
    public void FitBlocks_SeveralBlocks_IsBitIdentical_With1And4Threads(Storage storage)
    {
        var (dense, sparse) = TestData.Random(2000, 150, 0.05, seed: 4);
        INmfMatrix x = storage == Storage.Sparse ? sparse : dense;
        var blocks = Split(x, 700, 1, 555, 744);
        var options = new NmfFitOptions { Rank = 6, MaxIterations = 15, Tolerance = 0, Shuffle = true, Seed = 17, AlphaW = 0.0001, AlphaH = 0.0002, L1Ratio = 0.5 };

        var one = NmfEngine.FitBlocks(blocks, options with { DegreeOfParallelism = 1 });
        var four = NmfEngine.FitBlocks(blocks, options with { DegreeOfParallelism = 4 });

        four.W.Values.ToArray().Should().Equal(one.W.Values.ToArray());
        four.H.Values.ToArray().Should().Equal(one.H.Values.ToArray());
        four.LossHistory.Should().Equal(one.LossHistory);
        four.Objective.Should().Be(one.Objective);
    }

    [Fact]
    public void MissingEntry_InALaterBlock_IsRefused_NamingItsRowInTheWholeData()
    {
        // Blocks of 3 and 2 rows; the second holds a NaN in its row 1, which is row 4 of the data.
        var first = new DenseMatrix(3, 4, Enumerable.Range(1, 12).Select(v => (float)v).ToArray());
        var values = Enumerable.Range(1, 8).Select(v => (float)v).ToArray();
        values[5] = float.NaN;
        var second = new DenseMatrix(2, 4, values, NmfMissingValues.Ignore);

        var fit = () => NmfEngine.FitBlocks(new INmfMatrix[] { first, second }, new NmfFitOptions { Rank = 2, MaxIterations = 2 });

        fit.Should().Throw<ArgumentException>().WithMessage("*NaN (NaN) at row 4, column 1*");
    }

    [Fact]
    public void FitBlocks_SeveralBlocks_FitsAsWellAsFit_FromTheSameRandomStart()
    {
        // Real tf-idf text. The split changes only the order of float additions, so the two fits follow
        // nearly the same path; 0.5 % of the relative error allows for trajectories that drift apart late.
        var x = TestData.TextTfidf(400);
        var options = new NmfFitOptions { Rank = 8, MaxIterations = 60, Initialization = NmfInitialization.Random, Seed = 3 };

        var whole = NmfEngine.Fit(x, options);
        var split = NmfEngine.FitBlocks(Split(x, 130, 70, x.Rows - 200), options);

        // The monitor is the trace identity on float products, whose partial sums the split rounds differently.
        split.LossHistory[0].Should().BeApproximately(whole.LossHistory[0], 1e-6 * whole.LossHistory[0],
            "the random start does not depend on the split, so the starting objectives differ only by summation order");
        split.RelativeError.Should().BeApproximately(whole.RelativeError, 0.005 * whole.RelativeError);
        split.RelativeError.Should().BeLessThan(0.95, "the fit must explain part of the text");
        Reference.RelativeError(x, split.W, split.H).Should().BeApproximately(split.RelativeError, 1e-5);
        FactorAssertions.ShouldNeverIncrease(split.LossHistory, 1e-5, "the block-wise fit");
    }

    [Fact]
    public void FitBlocks_SeveralBlocksWithAnSvdStart_ThrowsNamingInitialization()
    {
        var (_, x) = TestData.Random(200, 30, 0.2, seed: 1);
        var act = () => NmfEngine.FitBlocks(Split(x, 100, 100), new NmfFitOptions { Rank = 3, Initialization = NmfInitialization.Nndsvda });
        act.Should().Throw<ArgumentException>().WithMessage("Initialization Nndsvda needs the whole matrix at once*Random, Custom or Auto*")
            .Which.ParamName.Should().Be("Initialization");
    }

    [Fact]
    public void FitBlocks_MultiplicativeUpdate_ThrowsNamingSolver()
    {
        var (_, x) = TestData.Random(200, 30, 0.2, seed: 1);
        var act = () => NmfEngine.FitBlocks(new[] { x }, new NmfFitOptions { Rank = 3, Solver = NmfSolver.MultiplicativeUpdate });
        act.Should().Throw<ArgumentException>().WithMessage("Fitting by row blocks runs Solver CoordinateDescent (Frobenius) only, but Solver is MultiplicativeUpdate*")
            .Which.ParamName.Should().Be("Solver");
    }

    [Fact]
    public void FitBlocks_BlocksOfDifferentWidths_ThrowsNamingTheBlock()
    {
        var (_, a) = TestData.Random(50, 30, 0.2, seed: 1);
        var (_, b) = TestData.Random(50, 31, 0.2, seed: 2);
        var act = () => NmfEngine.FitBlocks(new INmfMatrix[] { a, b }, new NmfFitOptions { Rank = 3, Initialization = NmfInitialization.Random });
        act.Should().Throw<ArgumentException>().WithMessage("Row block 1 has 31 columns but block 0 has 30*");
    }

    [Fact]
    public void FitBlocks_CustomStart_SplitsInitialWByRows()
    {
        var (_, x) = TestData.Random(300, 40, 0.2, seed: 6);
        var options = new NmfFitOptions
        {
            Rank = 4, MaxIterations = 1, Tolerance = 0, Initialization = NmfInitialization.Custom,
            InitialW = TestData.Uniform(300, 4, seed: 1), InitialH = TestData.Uniform(4, 40, seed: 2),
        };
        var whole = NmfEngine.Fit(x, options);
        var split = NmfEngine.FitBlocks(Split(x, 100, 200), options);
        split.LossHistory[0].Should().BeApproximately(whole.LossHistory[0], 1e-6 * whole.LossHistory[0],
            "both start from InitialW and InitialH (float products summed in another order differ in their last bits)");
        split.LossHistory[1].Should().BeApproximately(whole.LossHistory[1], 1e-5 * whole.LossHistory[1]);
    }

    internal static NmfFitOptions Options(string settings) => settings switch
    {
        "default" => new NmfFitOptions { Rank = 7 },
        "shuffle-random" => new NmfFitOptions { Rank = 7, Shuffle = true, Initialization = NmfInitialization.Random, Seed = 5 },
        "penalties" => new NmfFitOptions { Rank = 6, AlphaW = 0.0002, AlphaH = 0.0001, L1Ratio = 0.3, Tolerance = 0, MaxIterations = 40 },
        "inner1" => new NmfFitOptions { Rank = 9, InnerIterations = 1, Initialization = NmfInitialization.Nndsvdar, Seed = 2 },
        _ => throw new ArgumentOutOfRangeException(nameof(settings), settings, "unknown case"),
    };

    /// <summary>Consecutive row blocks of the given sizes (CSR or dense, like the input).</summary>
    internal static INmfMatrix[] Split(INmfMatrix x, params int[] sizes)
    {
        sizes.Sum().Should().Be(x.Rows, "the blocks must cover the rows");
        var dense = TestData.AsDense(x);
        var blocks = new INmfMatrix[sizes.Length];
        int row = 0;
        for (int b = 0; b < sizes.Length; b++)
        {
            var part = new DenseMatrix(sizes[b], x.Columns, dense.Values.Slice(row * x.Columns, sizes[b] * x.Columns).ToArray());
            blocks[b] = x is CsrMatrix ? part.ToCsr() : part;
            row += sizes[b];
        }
        return blocks;
    }
}
