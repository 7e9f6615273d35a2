using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.RankSelection;
using MLNet.Nmf.Tests.Engine.Support;
using Xunit.Abstractions;

namespace MLNet.Nmf.Tests.Engine.Missing;

/// <summary><see cref="NmfRankSelection"/>: the held-out error of masked fits finds the planted rank.</summary>
public class RankSelectionTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(5, 200, 60)]
    [InlineData(12, 300, 80)]
    public void HeldOutError_IsSmallestAtThePlantedRank(int rank, int rows, int columns)
    {
        var planted = Planted.Create(rows, columns, rank, sigma: 0.1, missingFraction: 0, seed: 21);
        var x = new DenseMatrix(rows, columns, planted.Noisy);
        var ranks = Enumerable.Range(rank - 2, 6).ToArray();
        var result = NmfRankSelection.Run(x, ranks, new NmfFitOptions { MaxIterations = 300, Tolerance = 1e-5, Seed = 1 }, holdOutFraction: 0.1, repeats: 2);
        output.WriteLine(result.ToTable());

        result.Scores.Select(s => s.Rank).Should().Equal(ranks);
        result.BestRank.Should().BeInRange(rank - 1, rank + 1, "the held-out error is minimal at the planted rank (±1)");
        result.Scores[0].HeldOutError.Should().BeGreaterThan(result.Scores[2].HeldOutError, "too small a rank underfits");
        result.Scores[^1].TrainingError.Should().BeLessThan(result.Scores[0].TrainingError, "the training error keeps falling with the rank");
        result.Scores.Should().OnlyContain(s => double.IsFinite(s.HeldOutError) && double.IsFinite(s.Stability) && s.Stability <= 1 + 1e-9);
        // Uniform random parts of rank 12 are far from unique (measured 0.85 at r = 12), rank 5 ones come back (0.99).
        if (rank == 5)
            result.Scores[2].Stability.Should().BeGreaterThan(0.95, "at the planted rank the components come back across seeds and masks");
    }

    [Fact]
    public void Run_SparseData_HoldsOutImplicitZerosAndStaysFinite()
    {
        var x = TestData.TextTfidf(120);
        var result = NmfRankSelection.Run(x, [2, 4], new NmfFitOptions { MaxIterations = 30 }, holdOutFraction: 0.05, repeats: 1);
        result.Scores.Should().HaveCount(2).And.OnlyContain(s => double.IsFinite(s.HeldOutError) && s.HeldOutError > 0 && double.IsNaN(s.Stability));
        result.ToTable().Should().Contain("held-out RMSE");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Run_ScoresEveryRank_BitIdenticalToFittingEachRepeatsMaskByHand(bool sparse)
    {
        // The reference is the computation rank selection stands for: repeat r's mask and fit both use seed Seed + r, for
        // every rank. It holds the scores fixed whatever the order the masks are built and the fits run in.
        INmfMatrix x = sparse ? TestData.TextTfidf(80) : TestData.Digits(60);
        int[] ranks = [2, 3];
        const int repeats = 3;
        var fit = new NmfFitOptions { MaxIterations = 20, Tolerance = 0, Seed = 7, DegreeOfParallelism = 2 };

        var result = NmfRankSelection.Run(x, ranks, fit, holdOutFraction: 0.1, repeats: repeats);

        for (int i = 0; i < ranks.Length; i++)
        {
            var heldOut = new double[repeats];
            var training = new double[repeats];
            var components = new DenseMatrix[repeats];
            for (int r = 0; r < repeats; r++)
            {
                var mask = HoldOut.Create(x, 0.1, fit.Seed + r);
                var fitted = NmfEngine.Fit(mask.Training, fit with { Rank = ranks[i], Seed = fit.Seed + r, MissingValues = NmfMissingValues.Ignore });
                heldOut[r] = mask.HeldOutRmse(fitted.W, fitted.H);
                training[r] = Math.Sqrt(2 * fitted.Divergence / Math.Max(1, mask.TrainingCount));
                components[r] = fitted.H;
            }
            var score = result.Scores[i];
            score.Rank.Should().Be(ranks[i]);
            score.HeldOutError.Should().Be(heldOut.Average(), "rank {0}'s held-out error is bit-identical", ranks[i]);
            score.TrainingError.Should().Be(training.Average());
            score.Stability.Should().Be(ComponentMatching.MeanStability(components));
        }
    }

    [Fact]
    public void Run_BadArguments_ThrowNamingThem()
    {
        var x = TestData.Digits(20);
        var noRanks = () => NmfRankSelection.Run(x, []);
        noRanks.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("ranks");
        var fraction = () => NmfRankSelection.Run(x, [2], holdOutFraction: 0.7);
        fraction.Should().Throw<ArgumentOutOfRangeException>().Which.Message.Should().Contain("held-out fraction must be in (0, 0.5]");
        var repeats = () => NmfRankSelection.Run(x, [2], repeats: 0);
        repeats.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("repeats");
    }

    private static float[] RandomRow(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => random.NextDouble() < 0.3 ? 0f : (float)random.NextDouble()).ToArray();
    }

    [Fact]
    public void RankSelection_OnDataTooSmallToHoldOutAnEntry_DoesNotReportNaN()
    {
        // With one row of 12 values, 10 % held out left some repeats with no held-out entry: HeldOutRmse returned NaN,
        // every score's HeldOutError was NaN, and BestRank was chosen among NaNs (MinBy ranks NaN lowest) without an error.
        // Such a repeat now holds out one entry chosen by its seed.
        var x = new DenseMatrix(1, 12, RandomRow(12, 3));

        var result = NmfRankSelection.Run(x, new[] { 1, 2 }, new NmfFitOptions { DegreeOfParallelism = 2 });

        result.Scores.Should().OnlyContain(s => double.IsFinite(s.HeldOutError), "a reported held-out error is a number");
    }

    [Fact]
    public void HoldOut_WhoseDrawHoldsOutNothing_HoldsOutOneEntryChosenByTheSeed()
    {
        var x = new DenseMatrix(1, 12, RandomRow(12, 3));
        // The premise: at fraction 1e-9 the draw holds out nothing.
        var masks = Enumerable.Range(0, 4).Select(seed => HoldOut.Create(x, 1e-9, seed)).ToArray();

        masks.Should().OnlyContain(m => m.HeldOutCount == 1 && m.TrainingCount == 11);
        var dense = masks.Select(m => ((DenseMatrix)m.Training).Values.ToArray()).ToArray();
        ((DenseMatrix)HoldOut.Create(x, 1e-9, 2).Training).Values.ToArray().Should().Equal(dense[2], "the same seed holds out the same entry");
        dense.Select(v => Array.FindIndex(v, float.IsNaN)).Distinct().Should().HaveCountGreaterThan(1, "the seed, not a fixed slot, chooses the entry");
    }

    [Fact]
    public void HoldOut_OfSparseDataWhoseDrawHoldsOutNothing_HoldsOutOneEntry()
    {
        var x = new CsrMatrix(2, 3, new[] { 0, 1, 2 }, new[] { 1, 2 }, new[] { 1f, 2f });

        var mask = HoldOut.Create(x, 1e-9, 7);

        mask.HeldOutCount.Should().Be(1);
        mask.TrainingCount.Should().Be(5, "six observed entries, the implicit zeros included, one held out");
        ((CsrMatrix)mask.Training).Values.ToArray().Count(float.IsNaN).Should().Be(1);
    }

    [Fact]
    public void RankSelection_OnDataWithASingleObservedEntry_ThrowsNamingTheData()
    {
        var x = new DenseMatrix(1, 3, new[] { 1f, float.NaN, float.NaN }, NmfMissingValues.Ignore);

        var run = () => NmfRankSelection.Run(x, new[] { 1 });

        run.Should().Throw<ArgumentException>().WithMessage("The data has 1 observed (non-missing) entries; rank selection needs at least 2*")
            .Which.ParamName.Should().Be("x");
    }

    [Fact]
    public void RankSelection_WithASolverOtherThanCoordinateDescent_SaysRankSelectionNeedsIt()
    {
        // Rank selection holds entries out as missing values, so it needs CoordinateDescent; with CoordinateDescentKL the user,
        // who never set MissingValues, read "MissingValues = Ignore needs Solver = CoordinateDescent ... or fill the missing
        // values and set MissingValues = Error", advice that does not apply to rank selection.
        var x = new DenseMatrix(30, 12, Enumerable.Range(0, 30).SelectMany(i => RandomRow(12, i)).ToArray());
        var options = new NmfFitOptions { Solver = NmfSolver.CoordinateDescentKL, Loss = NmfLoss.KullbackLeibler, DegreeOfParallelism = 2 };

        var run = () => NmfRankSelection.Run(x, new[] { 1, 2 }, options);

        run.Should().Throw<ArgumentException>().Where(e => e.Message.Contains("rank selection", StringComparison.OrdinalIgnoreCase)
            && e.Message.Contains("CoordinateDescentKL") && !e.Message.Contains("set MissingValues = Error")).Which.ParamName.Should().Be("Solver");
    }

    [Theory]
    [InlineData(NmfInitialization.Random, 61, "Rank 61 is above the number of features (60)")]
    [InlineData(NmfInitialization.Nndsvda, 41, "Initialization Nndsvda needs Rank <= min(rows, columns) = 40, but Rank is 41")]
    public void RankSelection_WithARankTheDataCannotTake_RefusesItBeforeAnyFit_NamingRanks(NmfInitialization init, int bad, string expected)
    {
        // It refused only when it reached that rank, after fitting (and losing) every rank before it.
        var x = new DenseMatrix(40, 60, Planted.Create(40, 60, 3, sigma: 0.1, missingFraction: 0, seed: 4).Noisy);
        int fits = 0;
        var run = () => NmfRankSelection.Run(x, [1, 2, bad], new NmfFitOptions { Initialization = init, MaxIterations = 20, Progress = _ => fits++ }, repeats: 1);

        var error = run.Should().Throw<ArgumentException>().Which;
        error.ParamName.Should().Be("ranks");
        error.Message.Should().Contain($"ranks has {bad}").And.Contain(expected);
        fits.Should().Be(0, "the ranks are checked before the first fit");
    }

    [Fact]
    public void RankSelection_OfAMatrixTypeTheEngineDoesNotKnow_SaysWhichTypesItTakes_NotAnInvalidCast()
    {
        var run = () => NmfRankSelection.Run(new OtherMatrix(), [1, 2]);

        var error = run.Should().Throw<ArgumentException>().Which;
        error.ParamName.Should().Be("x");
        error.Message.Should().Contain("Unsupported matrix type OtherMatrix; use DenseMatrix or CsrMatrix.");
    }

    private sealed class OtherMatrix : INmfMatrix
    {
        public int Rows => 4;
        public int Columns => 3;
        public long StoredCount => 12;
    }
}
