using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Tests.Engine.Validation;

/// <summary>Each invalid option gets its own named error, raised before any work.</summary>
public class OptionValidationTests
{
    private static readonly DenseMatrix X = TestData.Digits(20); // 20 x 64, with zeros

    private static Action Fit(NmfFitOptions options, INmfMatrix? x = null) => () => NmfEngine.Fit(x ?? X, options);

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void RankBelowOne_ThrowsOutOfRange_NamingRank(int rank)
    {
        var error = Fit(new NmfFitOptions { Rank = rank }).Should().Throw<ArgumentOutOfRangeException>().Which;
        error.ParamName.Should().Be("Rank");
        error.ActualValue.Should().Be(rank);
        error.Message.Should().Contain("Rank must be at least 1");
    }

    [Theory]
    [InlineData(NmfInitialization.Nndsvd)]
    [InlineData(NmfInitialization.Nndsvda)]
    [InlineData(NmfInitialization.Nndsvdar)]
    public void SvdInitialization_WithRankAboveMinDimension_Throws(NmfInitialization init) =>
        Fit(new NmfFitOptions { Rank = 21, Initialization = init })
            .Should().Throw<ArgumentException>().WithMessage($"Initialization {init} needs Rank <= min(rows, columns) = 20, but Rank is 21.*")
            .Which.ParamName.Should().Be("Initialization");

    [Fact]
    public void AutoInitialization_WithRankAboveMinDimension_FallsBackToRandom()
    {
        var result = NmfEngine.Fit(X, new NmfFitOptions { Rank = 25, MaxIterations = 5 });
        result.H.Rows.Should().Be(25);
        result.W.Values.ToArray().Should().OnlyContain(v => v >= 0);
    }

    public static IEnumerable<object[]> OutOfRange() => new (NmfFitOptions Options, string Name)[]
    {
        (new() { MaxIterations = 0 }, "MaxIterations"),
        (new() { AlphaW = -0.1 }, "AlphaW"),
        (new() { AlphaW = double.NaN }, "AlphaW"),
        (new() { AlphaW = double.PositiveInfinity }, "AlphaW"),
        (new() { AlphaH = -1 }, "AlphaH"),
        (new() { AlphaH = double.NaN }, "AlphaH"),
        (new() { L1Ratio = -0.5 }, "L1Ratio"),
        (new() { L1Ratio = 1.5 }, "L1Ratio"),
        (new() { L1Ratio = double.NaN }, "L1Ratio"),
        (new() { Tolerance = -1e-4 }, "Tolerance"),
        (new() { Tolerance = double.NaN }, "Tolerance"),
        (new() { Tolerance = double.PositiveInfinity }, "Tolerance"),
        (new() { DegreeOfParallelism = 0 }, "DegreeOfParallelism"),
        (new() { InnerIterations = -1 }, "InnerIterations"),
        (new() { ProjectionTolerance = -1 }, "ProjectionTolerance"),
        (new() { ProjectionMaxIterations = 0 }, "ProjectionMaxIterations"),
        (new() { Solver = NmfSolver.MultiplicativeUpdate, Loss = NmfLoss.Beta, Beta = double.NaN }, "Beta"),
        // Finite but beyond what the arithmetic supports (issue 8): each used to fit to NaN or hang.
        (new() { Solver = NmfSolver.MultiplicativeUpdate, Loss = NmfLoss.Beta, Beta = -50 }, "Beta"),
        (new() { Solver = NmfSolver.MultiplicativeUpdate, Loss = NmfLoss.Beta, Beta = 1e300 }, "Beta"),
        (new() { AlphaW = 1e300 }, "AlphaW"),
        (new() { AlphaH = 1e11 }, "AlphaH"),
        (new() { ProjectionTolerance = 2 }, "ProjectionTolerance"),
        (new() { ProjectionMaxIterations = 1_090_519_540 }, "ProjectionMaxIterations"),
    }.Select(c => new object[] { c.Name, c.Options });

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void OptionOutOfRange_ThrowsOutOfRange_NamingTheOption(string name, NmfFitOptions options) =>
        Fit(options).Should().Throw<ArgumentOutOfRangeException>().WithMessage($"{name} must be*").Which.ParamName.Should().Be(name);

    public static IEnumerable<object[]> UndefinedEnums() => new (NmfFitOptions Options, string Name)[]
    {
        (new() { Solver = (NmfSolver)99 }, "Solver"),
        (new() { Loss = (NmfLoss)99 }, "Loss"),
        (new() { Initialization = (NmfInitialization)99 }, "Initialization"),
    }.Select(c => new object[] { c.Name, c.Options });

    [Theory]
    [MemberData(nameof(UndefinedEnums))]
    public void UndefinedChoice_ThrowsOutOfRange_NamingTheOption(string name, NmfFitOptions options) =>
        Fit(options).Should().Throw<ArgumentOutOfRangeException>().WithMessage($"Unknown {name.ToLowerInvariant()}.*").Which.ParamName.Should().Be(name);

    [Theory]
    [InlineData(NmfLoss.KullbackLeibler, 2.0)]
    [InlineData(NmfLoss.ItakuraSaito, 2.0)]
    [InlineData(NmfLoss.Beta, 1.5)]
    public void CoordinateDescent_WithANonFrobeniusLoss_Throws(NmfLoss loss, double beta) =>
        Fit(new NmfFitOptions { Solver = NmfSolver.CoordinateDescent, Loss = loss, Beta = beta })
            .Should().Throw<ArgumentException>().WithMessage($"Solver CoordinateDescent minimizes the Frobenius loss only, but Loss is {loss}*")
            .Which.ParamName.Should().Be("Solver");

    [Theory]
    [InlineData(NmfLoss.Frobenius, 2.0)]
    [InlineData(NmfLoss.ItakuraSaito, 2.0)]
    [InlineData(NmfLoss.Beta, 0.5)]
    public void CoordinateDescentKL_WithANonKlLoss_Throws(NmfLoss loss, double beta) =>
        Fit(new NmfFitOptions { Solver = NmfSolver.CoordinateDescentKL, Loss = loss, Beta = beta })
            .Should().Throw<ArgumentException>().WithMessage($"Solver CoordinateDescentKL minimizes the Kullback-Leibler divergence only, but Loss is {loss}*")
            .Which.ParamName.Should().Be("Solver");

    [Fact]
    public void SolversAcceptTheirLoss_WrittenAsABeta()
    {
        NmfEngine.Fit(X, new NmfFitOptions { Solver = NmfSolver.CoordinateDescent, Loss = NmfLoss.Beta, Beta = 2, Rank = 2, MaxIterations = 2 }).Iterations.Should().Be(2);
        NmfEngine.Fit(X, new NmfFitOptions { Solver = NmfSolver.CoordinateDescentKL, Loss = NmfLoss.Beta, Beta = 1, Rank = 2, MaxIterations = 2, Tolerance = 0 }).Iterations.Should().Be(2);
    }

    [Theory]
    [InlineData(NmfLoss.ItakuraSaito, 0.0, false)]
    [InlineData(NmfLoss.Beta, -0.5, false)]
    [InlineData(NmfLoss.Beta, 0.0, true)]
    public void MultiplicativeUpdates_BetaAtMostZero_WithZerosInX_Throws(NmfLoss loss, double beta, bool sparse)
    {
        // The digits have explicit zeros (dense) and implicit ones (CSR).
        Fit(new NmfFitOptions { Solver = NmfSolver.MultiplicativeUpdate, Loss = loss, Beta = beta }, sparse ? X.ToCsr() : X)
            .Should().Throw<ArgumentException>().WithMessage($"With beta = {beta} <= 0 the multiplicative updates diverge on zeros, and X contains zeros.*")
            .Which.ParamName.Should().Be("Beta");
    }

    [Fact]
    public void MultiplicativeUpdates_ItakuraSaito_OnStrictlyPositiveData_Runs()
    {
        var positive = new DenseMatrix(X.Rows, X.Columns, X.Values.ToArray().Select(v => v + 0.5f).ToArray());
        var result = NmfEngine.Fit(positive, new NmfFitOptions { Solver = NmfSolver.MultiplicativeUpdate, Loss = NmfLoss.ItakuraSaito, Rank = 3, MaxIterations = 10 });
        result.W.Values.ToArray().Should().OnlyContain(v => v >= 0 && float.IsFinite(v));
    }

    [Fact]
    public void AllZeroData_Throws() =>
        Fit(new NmfFitOptions { Rank = 2 }, new DenseMatrix(3, 3, new float[9])).Should().Throw<ArgumentException>().WithMessage("X is all zeros*").Which.ParamName.Should().Be("x");

    [Fact]
    public void NullData_Throws_AndNullOptionsMeanTheDefaults()
    {
        var act = () => NmfEngine.Fit(null!);
        act.Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("x");
        NmfEngine.Fit(X, null).H.Rows.Should().Be(NmfFitOptions.Defaults.Rank);
    }
}
