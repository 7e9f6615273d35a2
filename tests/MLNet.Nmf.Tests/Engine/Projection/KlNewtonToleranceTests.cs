using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Projection;
using MLNet.Nmf.Engine.Solvers;
using MLNet.Nmf.Tests.Engine.Support;

namespace MLNet.Nmf.Tests.Engine.Projection;

/// <summary>
/// The Kullback-Leibler projection stops a coordinate's Newton steps at a relative step of
/// <see cref="NmfProjector.DefaultNewtonTolerance"/> and leaves convergence to the sweeps' own rule; a projector
/// built with the projection tolerance as its Newton tolerance is the one models of format 1 and 2 keep using.
/// </summary>
public class KlNewtonToleranceTests
{
    [Fact]
    public void DefaultNewtonTolerance_ReachesTheFeaturesOfNewtonStepsToTheTolerance()
    {
        // Both stop when a sweep moves w by less than 1e-6 of its size: the features agree to that order
        // (measured ≤ 2e-6 relative over these rows), while the looser inner rule changes the bits.
        var x = TestData.Digits(300);
        var result = NmfEngine.Fit(x, new NmfFitOptions { Solver = NmfSolver.CoordinateDescentKL, Loss = NmfLoss.KullbackLeibler, Rank = 8, MaxIterations = 40 });
        var penalty = result.Projector.Penalty;
        var loose = result.Projector;
        var tight = NmfEngine.CreateProjector(result.H, 1.0, penalty, NmfMissingValues.Error,
            loose.Tolerance, loose.MaxIterations, newtonTolerance: loose.Tolerance);
        loose.NewtonTolerance.Should().Be(NmfProjector.DefaultNewtonTolerance);
        tight.NewtonTolerance.Should().Be(1e-6);

        var fast = loose.Transform(x).Values.ToArray();
        var exact = tight.Transform(x).Values.ToArray();
        FactorAssertions.RelativeDifference(fast, exact).Should().BeLessThan(1e-5);
        fast.Should().NotEqual(exact, "the Newton rule is part of the arithmetic: a model keeps the one it was saved with");
        fast.Should().Equal(result.W.Values.ToArray(), "the fit projects its rows with the default rule");
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void NewtonToleranceOutsideZeroToOne_IsRefusedByName(double newtonTolerance)
    {
        var h = TestData.Uniform(3, 10, seed: 1, low: 0f, high: 1f);
        var act = () => NmfEngine.CreateProjector(h, 1.0, new Penalty(0, 0), NmfMissingValues.Error, 1e-6, 100, newtonTolerance);
        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("newtonTolerance")
            .WithMessage("The Newton step tolerance must be in [0, 1].*");
    }
}
