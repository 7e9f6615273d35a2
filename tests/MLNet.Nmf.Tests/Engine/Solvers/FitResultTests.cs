using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Tests.Engine.Support;

namespace MLNet.Nmf.Tests.Engine.Solvers;

/// <summary>The figures an <see cref="NmfResult"/> reports, checked against independent double-precision computations.</summary>
public class FitResultTests
{
    // The engine evaluates the returned float factors in double as well, so only the summation order
    // differs: 1e-9 relative is far above that and far below any formula error.
    private const double EvaluationTolerance = 1e-9;

    public static IEnumerable<object[]> SolversWithPenalties() =>
        from c in SolverCases.All from alpha in new[] { 0.0, 0.0005 } select new object[] { c.Solver, c.Loss, alpha };

    [Theory]
    [MemberData(nameof(SolversWithPenalties))]
    public void Fit_ReportedErrorDivergenceAndObjective_MatchAnIndependentComputation(NmfSolver solver, NmfLoss loss, double alpha)
    {
        var x = TestData.TextTfidf(100);
        var options = new NmfFitOptions { Solver = solver, Loss = loss, Rank = 5, MaxIterations = 15, AlphaW = alpha, AlphaH = 2 * alpha, L1Ratio = 0.4 };
        var result = NmfEngine.Fit(x, options);

        double[,] xa = Reference.ToArray(x), w = Reference.ToArray(result.W), h = Reference.ToArray(result.H);
        result.RelativeError.Should().BeApproximately(Math.Sqrt(Reference.SquaredError(xa, w, h) / Reference.SquaredNorm(xa)), EvaluationTolerance);
        double divergence = Reference.Divergence(xa, w, h, options.EffectiveBeta);
        result.Divergence.Should().BeApproximately(divergence, EvaluationTolerance * divergence);
        double objective = Reference.Objective(xa, w, h, options);
        result.Objective.Should().BeApproximately(objective, EvaluationTolerance * objective);
        FactorAssertions.ShouldBeNonNegativeAndFinite(result.W, "W");
        if (alpha > 0)
            result.Objective.Should().BeGreaterThan(result.Divergence, "the penalties are part of the objective");
    }

    [Theory]
    [InlineData(Storage.Dense)]
    [InlineData(Storage.Sparse)]
    public void Fit_NearlyExactFit_ReportsTheRelativeErrorOfItsFactors(Storage storage)
    {
        // A near-exact fit is where ‖X − WH‖ is a small difference of large terms. The reported figure must
        // still be that of the returned W and H, so that "relative error < 1e-4" can be read off the result.
        // Several fits, because the rounding noise of a wrong evaluation can have either sign.
        var x = TestData.LowRank(60, 40, 4, seed: 5, withZeros: true);
        foreach (int iterations in new[] { 150, 300, 500 })
        {
            var result = NmfEngine.Fit(x.In(storage), new NmfFitOptions { Rank = 4, MaxIterations = iterations, Tolerance = 0, Initialization = NmfInitialization.Random });

            double actual = Reference.RelativeError(x, result.W, result.H);
            actual.Should().BeLessThan(1e-5, "the fit itself is near-exact");
            result.RelativeError.Should().BeApproximately(actual, 1e-7,
                $"the reported error must be that of the returned factors, to within double rounding ({iterations} iterations)");
        }
    }

    [Theory]
    [MemberData(nameof(SolverCases.Solvers), MemberType = typeof(SolverCases))]
    public void LossHistory_StartsAtTheObjectiveOfTheStartingFactors(NmfSolver solver, NmfLoss loss)
    {
        var x = TestData.Digits(80);
        var options = new NmfFitOptions
        {
            Solver = solver, Loss = loss, Rank = 4, MaxIterations = 3, AlphaW = 0.01, L1Ratio = 0.5,
            Initialization = NmfInitialization.Custom, InitialW = TestData.Uniform(80, 4, seed: 3), InitialH = TestData.Uniform(4, 64, seed: 4),
        };
        var result = NmfEngine.Fit(x, options);

        double start = Reference.Objective(Reference.ToArray(x), Reference.ToArray(options.InitialW!), Reference.ToArray(options.InitialH!), options);
        // The running objective is accumulated from float products (for Frobenius through the trace
        // identity ‖X‖² − 2⟨XᵀW, Hᵀ⟩ + ⟨WᵀW, HHᵀ⟩); 1e-5 relative covers float rounding of those products.
        result.LossHistory[0].Should().BeApproximately(start, 1e-5 * start);
        result.LossHistory.Should().HaveCount(4);
    }

    [Theory]
    [MemberData(nameof(SolverCases.Solvers), MemberType = typeof(SolverCases))]
    public void Fit_FinalObjective_IsNoWorseThanTheLastIterate(NmfSolver solver, NmfLoss loss)
    {
        // The returned W is each row re-projected onto the final H (the exact minimiser for that H, to the
        // projection tolerance), so the reported objective cannot be worse than the solver's last value.
        var x = TestData.TextTfidf(150);
        var result = NmfEngine.Fit(x, new NmfFitOptions { Solver = solver, Loss = loss, Rank = 6, MaxIterations = 20, Tolerance = 0, AlphaW = 0.001 });

        result.Objective.Should().BeLessThanOrEqualTo(result.LossHistory[^1] * (1 + 1e-5));
    }

    [Fact]
    public void Fit_ReportsDivergenceOfGeneralBeta_AsItsDefinition()
    {
        var x = TestData.Digits(60);
        var options = new NmfFitOptions { Solver = NmfSolver.MultiplicativeUpdate, Loss = NmfLoss.Beta, Beta = 1.5, Rank = 3, MaxIterations = 10 };
        var result = NmfEngine.Fit(x, options);

        double divergence = Reference.Divergence(Reference.ToArray(x), Reference.ToArray(result.W), Reference.ToArray(result.H), 1.5);
        result.Divergence.Should().BeApproximately(divergence, 1e-6 * divergence);
    }
}
