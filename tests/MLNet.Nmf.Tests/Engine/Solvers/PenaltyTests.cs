using MLNet.Nmf.Engine;
using MLNet.Nmf.Tests.Engine.Support;

namespace MLNet.Nmf.Tests.Engine.Solvers;

/// <summary>What the L1 and L2 penalties do to the factors, for every solver.</summary>
public class PenaltyTests
{
    [Theory]
    [MemberData(nameof(SolverCases.Solvers), MemberType = typeof(SolverCases))]
    public void Fit_L1Penalty_MakesFactorsSparser(NmfSolver solver, NmfLoss loss)
    {
        var x = TestData.TextTfidf(150);
        var plain = new NmfFitOptions { Solver = solver, Loss = loss, Rank = 6, MaxIterations = 60, Tolerance = 0, Initialization = NmfInitialization.Nndsvd };
        var baseline = NmfEngine.Fit(x, plain);
        // The KL gradient of a coordinate is Σ_j h_tj (1 − x_j / y_j), of order the component's mass, far
        // above the Frobenius residual's: the same visible effect needs a ~250x stronger alpha.
        double alpha = loss == NmfLoss.Frobenius ? 0.0002 : 0.05;
        var penalized = NmfEngine.Fit(x, plain with { AlphaW = alpha, AlphaH = 5 * alpha, L1Ratio = 1.0 });

        FactorAssertions.ShouldBeNonNegativeAndFinite(penalized.W, "penalized W");
        FactorAssertions.ShouldBeNonNegativeAndFinite(penalized.H, "penalized H");
        int zeros = TestData.CountZeros(penalized.W) + TestData.CountZeros(penalized.H);
        int baselineZeros = TestData.CountZeros(baseline.W) + TestData.CountZeros(baseline.H);
        zeros.Should().BeGreaterThan(baselineZeros + (x.Rows + x.Columns) * 6 / 20, "L1 must zero out clearly more entries (at least 5% of W and H more)");
    }

    [Theory]
    [MemberData(nameof(SolverCases.Solvers), MemberType = typeof(SolverCases))]
    public void Fit_L2Penalty_ShrinksTheSquaredFrobeniusNorms(NmfSolver solver, NmfLoss loss)
    {
        var x = TestData.Digits(200);
        var plain = new NmfFitOptions { Solver = solver, Loss = loss, Rank = 6, MaxIterations = 60, Tolerance = 0 };
        var baseline = NmfEngine.Fit(x, plain);
        var penalized = NmfEngine.Fit(x, plain with { AlphaW = 0.05, L1Ratio = 0.0 });

        double norm = TestData.SquaredNorm(penalized.W) + TestData.SquaredNorm(penalized.H);
        double baselineNorm = TestData.SquaredNorm(baseline.W) + TestData.SquaredNorm(baseline.H);
        norm.Should().BeLessThan(0.9 * baselineNorm);
        penalized.Divergence.Should().BeGreaterThanOrEqualTo(baseline.Divergence * 0.999, "shrinking costs fit");
    }

    [Theory]
    [MemberData(nameof(SolverCases.Solvers), MemberType = typeof(SolverCases))]
    public void Fit_L2Penalty_OnlyOnH_ShrinksH(NmfSolver solver, NmfLoss loss)
    {
        var x = TestData.Digits(200);
        var plain = new NmfFitOptions { Solver = solver, Loss = loss, Rank = 6, MaxIterations = 60, Tolerance = 0 };
        var baseline = NmfEngine.Fit(x, plain);
        var penalized = NmfEngine.Fit(x, plain with { AlphaW = 0, AlphaH = 0.05, L1Ratio = 0.0 });

        TestData.SquaredNorm(penalized.H).Should().BeLessThan(0.9 * TestData.SquaredNorm(baseline.H));
    }
}
