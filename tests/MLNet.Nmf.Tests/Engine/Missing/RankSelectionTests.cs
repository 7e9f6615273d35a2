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
}
