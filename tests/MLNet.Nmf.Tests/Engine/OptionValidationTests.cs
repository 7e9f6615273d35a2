using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Tests.Engine;

public class OptionValidationTests
{
    private static readonly DenseMatrix X = TestData.Digits(20);

    private static Action Fit(NmfFitOptions options, INmfMatrix? x = null) => () => NmfEngine.Fit(x ?? X, options);

    [Fact]
    public void RankBelowOne_ThrowsNamingRank() =>
        Fit(new NmfFitOptions { Rank = 0 }).Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("Rank");

    [Fact]
    public void NndsvdWithRankAboveMinDimension_Throws() =>
        Fit(new NmfFitOptions { Rank = 21, Initialization = NmfInitialization.Nndsvd })
            .Should().Throw<ArgumentException>().WithMessage("*Nndsvd needs Rank <= min(rows, columns) = 20*Rank is 21*");

    [Fact]
    public void AutoInitWithRankAboveMinDimension_FallsBackToRandom() =>
        NmfEngine.Fit(X, new NmfFitOptions { Rank = 25, MaxIterations = 5 }).H.Rows.Should().Be(25);

    [Theory]
    [InlineData(-0.1, 0.0, "AlphaW")]
    [InlineData(0.0, 1.5, "L1Ratio")]
    [InlineData(0.0, -0.5, "L1Ratio")]
    public void PenaltyOutOfRange_ThrowsNamingTheOption(double alpha, double ratio, string name) =>
        Fit(new NmfFitOptions { AlphaW = alpha, L1Ratio = ratio }).Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be(name);

    [Fact]
    public void OtherRanges_ThrowNamingTheOption()
    {
        Fit(new NmfFitOptions { MaxIterations = 0 }).Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("MaxIterations");
        Fit(new NmfFitOptions { Tolerance = double.NaN }).Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("Tolerance");
        Fit(new NmfFitOptions { AlphaH = -1 }).Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("AlphaH");
        Fit(new NmfFitOptions { DegreeOfParallelism = 0 }).Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("DegreeOfParallelism");
        Fit(new NmfFitOptions { InnerIterations = -1 }).Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("InnerIterations");
    }

    [Fact]
    public void SolverAndLossMismatch_Throws()
    {
        Fit(new NmfFitOptions { Solver = NmfSolver.CoordinateDescent, Loss = NmfLoss.KullbackLeibler })
            .Should().Throw<ArgumentException>().WithMessage("*CoordinateDescent minimizes the Frobenius loss only*");
        Fit(new NmfFitOptions { Solver = NmfSolver.CoordinateDescentKL, Loss = NmfLoss.Frobenius })
            .Should().Throw<ArgumentException>().WithMessage("*Kullback-Leibler divergence only*");
    }

    [Theory]
    [InlineData(NmfLoss.ItakuraSaito, 0.0)]
    [InlineData(NmfLoss.Beta, -0.5)]
    public void MultiplicativeUpdates_BetaAtMostZero_WithZerosInX_Throws(NmfLoss loss, double beta) =>
        Fit(new NmfFitOptions { Solver = NmfSolver.MultiplicativeUpdate, Loss = loss, Beta = beta })
            .Should().Throw<ArgumentException>().WithMessage("*beta = * <= 0*X contains zeros*");

    [Fact]
    public void CustomInit_Missing_WrongShape_AllZero_Negative_AreNamed()
    {
        var good = new DenseMatrix(3, 64, Enumerable.Repeat(0.1f, 192).ToArray());
        var w = new DenseMatrix(20, 3, Enumerable.Repeat(0.1f, 60).ToArray());
        Fit(new NmfFitOptions { Rank = 3, Initialization = NmfInitialization.Custom, InitialH = good })
            .Should().Throw<ArgumentException>().WithMessage("*needs InitialW (20 x 3)*");
        Fit(new NmfFitOptions { Rank = 3, Initialization = NmfInitialization.Custom, InitialW = w, InitialH = new DenseMatrix(3, 10, new float[30]) })
            .Should().Throw<ArgumentException>().WithMessage("*InitialH must be 3 x 64 but is 3 x 10*");
        Fit(new NmfFitOptions { Rank = 3, Initialization = NmfInitialization.Custom, InitialW = new DenseMatrix(20, 3, new float[60]), InitialH = good })
            .Should().Throw<ArgumentException>().WithMessage("*InitialW is all zeros*");
        var act = () => new DenseMatrix(20, 3, Enumerable.Repeat(-1f, 60).ToArray());
        act.Should().Throw<ArgumentException>().WithMessage("*negative value (-1) at row 0, column 0*");
    }

    [Fact]
    public void AllZeroData_Throws() =>
        Fit(new NmfFitOptions(), new DenseMatrix(3, 3, new float[9])).Should().Throw<ArgumentException>().WithMessage("*all zeros*");
}
