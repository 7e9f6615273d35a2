using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;
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

    [Fact]
    public void CoordinateDescent_WhosePenaltyZeroesW_AlsoZeroesH()
    {
        // AlphaW = 1, L1Ratio = 1 on this data drives every feature to 0 in the first sweep; the HALS update of H then
        // skipped every component (its WᵀW diagonal is 0) instead of applying H's own L1 penalty, so H kept its NNDSVD
        // start: 100 iterations without converging, components no row uses, and an objective of about 347 where H = 0
        // gives ½‖X‖² ≈ 25.8. (L1Ratio 0.5 on the same data ends with W = 0 and H = 0.)
        var values = Magnitude.Values(20, 12, 1, 1f);
        var x = new DenseMatrix(20, 12, values);
        var options = new NmfFitOptions { Rank = 3, AlphaW = 1, L1Ratio = 1, MaxIterations = 100, DegreeOfParallelism = 2 };
        double zeroModelObjective = 0.5 * values.Sum(v => (double)v * v);

        var result = NmfEngine.Fit(x, options);

        Magnitude.AllZero(result.W.Values).Should().BeTrue("the premise: the penalty zeroes every feature");
        Magnitude.AllZero(result.H.Values).Should().BeTrue("with W = 0, H's L1 penalty alone decides H, and its minimum is 0");
        result.Objective.Should().BeLessThanOrEqualTo(zeroModelObjective * (1 + 1e-9));
        result.Converged.Should().BeTrue("once W and H are 0 nothing moves");
    }
}
