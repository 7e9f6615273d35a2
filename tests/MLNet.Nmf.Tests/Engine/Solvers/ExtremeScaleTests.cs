using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Tests.Engine.Support;

namespace MLNet.Nmf.Tests.Engine.Solvers;

/// <summary>
/// Any finite non-negative input fits to finite, non-negative factors, whatever its magnitude: data beyond what
/// float products carry is fitted scaled by an exact power of two. These inputs used to give NaN models
/// (×1e18), a false "the matrix has NaN" error (×1e19..1e30), an eigen-solver ArithmeticException (one cell at
/// float.MaxValue) or all-zero components (multiplicative updates at ×1e19).
/// </summary>
public class ExtremeScaleTests
{
    private static readonly DenseMatrix Digits = TestData.Digits(40);

    private static DenseMatrix Scaled(DenseMatrix x, double scale) =>
        new(x.Rows, x.Columns, x.Values.ToArray().Select(v => (float)(v * scale)).ToArray());

    private static NmfFitOptions Options(NmfSolver solver, NmfInitialization init) => new()
    {
        Rank = 4, Seed = 2, Solver = solver, Initialization = init, MaxIterations = 60,
        Loss = solver == NmfSolver.CoordinateDescentKL ? NmfLoss.KullbackLeibler : NmfLoss.Frobenius,
    };

    /// <summary>H scaled to unit Frobenius norm: "the same components up to scale" compares these.</summary>
    private static float[] Normalized(DenseMatrix h)
    {
        double norm = Math.Sqrt(h.Values.ToArray().Sum(v => (double)v * v));
        return h.Values.ToArray().Select(v => (float)(v / norm)).ToArray();
    }

    public static IEnumerable<object[]> SolversAndScales() =>
        from solver in new[] { NmfSolver.CoordinateDescent, NmfSolver.MultiplicativeUpdate, NmfSolver.CoordinateDescentKL }
        from scale in new[] { 1e18, 1e19, 1e30, Math.Pow(2, 100), 1e-30, 1e-40 }
        select new object[] { solver, scale };

    [Theory]
    [MemberData(nameof(SolversAndScales))]
    public void UniformlyScaledMatrix_FitsTheSameComponents_UpToTheScale(NmfSolver solver, double scale)
    {
        // Random initialisation is scale-equivariant (NNDSVDa/ar fill zeros with mean(X), as scikit-learn does, which
        // is not: there X and 4·X differ on any version). 1e-40 is partly subnormal in float: 1e-6 relative.
        var plain = NmfEngine.Fit(Digits, Options(solver, NmfInitialization.Random));
        var scaled = NmfEngine.Fit(Scaled(Digits, scale), Options(solver, NmfInitialization.Random));
        FactorAssertions.ShouldBeNonNegativeAndFinite(scaled.W, "W");
        FactorAssertions.ShouldBeNonNegativeAndFinite(scaled.H, "H");
        double tolerance = solver == NmfSolver.CoordinateDescentKL ? 1e-3 : 1e-4; // KL's ε floors are absolute
        FactorAssertions.RelativeDifference(Normalized(scaled.H), Normalized(plain.H)).Should().BeLessThan(tolerance);
        scaled.RelativeError.Should().BeApproximately(plain.RelativeError, 1e-4);
        double.IsFinite(scaled.Divergence).Should().BeTrue();
        scaled.LossHistory.Should().OnlyContain(v => double.IsFinite(v));
    }

    [Theory]
    [InlineData(NmfSolver.CoordinateDescent)]
    [InlineData(NmfSolver.MultiplicativeUpdate)]
    [InlineData(NmfSolver.CoordinateDescentKL)]
    public void TwoExtremeScalesOfOneMatrix_GiveTheSameComponents_ExactlyUpToScale(NmfSolver solver)
    {
        // Both are brought to the same power-of-two-scaled matrix, so even NNDSVDa (the default) agrees bit for bit
        // after normalization up to the last rounding of the division.
        var a = NmfEngine.Fit(Scaled(Digits, Math.Pow(2, 100)), Options(solver, NmfInitialization.Nndsvda));
        var b = NmfEngine.Fit(Scaled(Digits, Math.Pow(2, -110)), Options(solver, NmfInitialization.Nndsvda));
        FactorAssertions.RelativeDifference(Normalized(a.H), Normalized(b.H)).Should().BeLessThan(1e-6);
        a.Iterations.Should().Be(b.Iterations);
    }

    [Theory]
    [InlineData(1e18)]
    [InlineData(1e19)]
    [InlineData(1e30)]
    public void DefaultOptions_OnAScaledMatrix_GiveAFiniteModel_AndFitEqualsTransform(double scale)
    {
        var x = Scaled(Digits, scale);
        var result = NmfEngine.Fit(x, new NmfFitOptions { Rank = 4 });
        FactorAssertions.ShouldBeNonNegativeAndFinite(result.W, "W");
        FactorAssertions.ShouldBeNonNegativeAndFinite(result.H, "H");
        result.RelativeError.Should().BeInRange(0, 1);
        result.RelativeError.Should().BeApproximately(NmfEngine.Fit(Digits, new NmfFitOptions { Rank = 4 }).RelativeError, 0.01);
        result.Projector.Transform(x, 2).Values.ToArray().Should().Equal(result.W.Values.ToArray());
    }

    [Fact]
    public void OneCellAtFloatMaxValue_FitsFinite_NotAnEigenSolverError()
    {
        var values = Digits.Values.ToArray();
        values[70] = float.MaxValue;
        var result = NmfEngine.Fit(new DenseMatrix(Digits.Rows, Digits.Columns, values), new NmfFitOptions { Rank = 3 });
        FactorAssertions.ShouldBeNonNegativeAndFinite(result.W, "W");
        FactorAssertions.ShouldBeNonNegativeAndFinite(result.H, "H");
        double.IsFinite(result.RelativeError).Should().BeTrue();
    }

    [Fact]
    public void ScaledFit_IsDeterministic_WhateverTheThreads()
    {
        var x = Scaled(Digits, 1e30).ToCsr();
        var one = NmfEngine.Fit(x, new NmfFitOptions { Rank = 4, Seed = 5, DegreeOfParallelism = 1 });
        var two = NmfEngine.Fit(x, new NmfFitOptions { Rank = 4, Seed = 5, DegreeOfParallelism = 2 });
        two.H.Values.ToArray().Should().Equal(one.H.Values.ToArray());
        two.W.Values.ToArray().Should().Equal(one.W.Values.ToArray());
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    public void BetaAtMostZero_OnPositiveDataWhoseRangeUnderflowsWhenScaled_IsRefusedNamingBeta_NotAnInfiniteObjective(double beta)
    {
        // No zeros, so the β ≤ 0 check on X passes; but 1e30 next to 1e-30 is fitted scaled by 2^-99, where 1e-30
        // becomes 0 and every objective was +∞ (x / y − log(x / y) − 1 at x = 0), reported as the fit's divergence.
        var values = Digits.Values.ToArray().Select((v, i) => (v + 1f) * (i < Digits.Columns ? 1e30f : i < 2 * Digits.Columns ? 1e-30f : 1f)).ToArray();
        var x = new DenseMatrix(Digits.Rows, Digits.Columns, values);
        var options = new NmfFitOptions { Rank = 3, Solver = NmfSolver.MultiplicativeUpdate, Loss = NmfLoss.Beta, Beta = beta, Initialization = NmfInitialization.Random, MaxIterations = 20 };

        var act = () => NmfEngine.Fit(x, options);

        var error = act.Should().Throw<ArgumentException>().Which;
        error.ParamName.Should().Be("Beta");
        error.Message.Should().Contain($"With beta = {beta} <= 0").And.Contain("X has no zeros, but its values span 1E-30 to 1.6E+31, a range float cannot carry: the fit scales X by 2^-103")
            .And.Contain("become 0").And.Contain("use a beta > 0");
    }

    [Fact]
    public void BetaAtMostZero_OnPositiveDataOfExtremeButCarriedRange_FitsWithAFiniteObjective()
    {
        var x = Scaled(new DenseMatrix(Digits.Rows, Digits.Columns, Digits.Values.ToArray().Select(v => v + 1f).ToArray()), 1e30);
        var result = NmfEngine.Fit(x, new NmfFitOptions { Rank = 3, Solver = NmfSolver.MultiplicativeUpdate, Loss = NmfLoss.Beta, Beta = 0, Initialization = NmfInitialization.Random, MaxIterations = 20 });
        double.IsFinite(result.Divergence).Should().BeTrue();
        result.LossHistory.Should().OnlyContain(v => double.IsFinite(v));
    }
}
