using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Tests.Engine.Support;

namespace MLNet.Nmf.Tests.Engine.Solvers;

/// <summary>The stopping rules and what the result says about them.</summary>
public class ConvergenceTests
{
    [Theory]
    [MemberData(nameof(SolverCases.Solvers), MemberType = typeof(SolverCases))]
    public void Fit_LooseTolerance_StopsEarly_AndReportsConvergence(NmfSolver solver, NmfLoss loss)
    {
        var x = TestData.Digits(200);
        var result = NmfEngine.Fit(x, new NmfFitOptions { Solver = solver, Loss = loss, Rank = 6, MaxIterations = 400, Tolerance = 1e-2 });

        result.Converged.Should().BeTrue();
        result.Iterations.Should().BeLessThan(400);
        result.LossHistory.Should().HaveCount(result.Iterations + 1, "one value at the start, one after each iteration");
    }

    [Theory]
    [MemberData(nameof(SolverCases.Solvers), MemberType = typeof(SolverCases))]
    public void Fit_IterationCap_ReachedFirst_ReportsNotConverged(NmfSolver solver, NmfLoss loss)
    {
        var x = TestData.Digits(100);
        var result = NmfEngine.Fit(x, new NmfFitOptions { Solver = solver, Loss = loss, Rank = 6, MaxIterations = 3, Tolerance = 1e-12 });

        result.Converged.Should().BeFalse();
        result.Iterations.Should().Be(3);
        result.LossHistory.Should().HaveCount(4);
    }

    [Fact]
    public void Fit_TighterTolerance_RunsLongerAndReachesALowerObjective()
    {
        var x = TestData.TextTfidf(150);
        var loose = NmfEngine.Fit(x, new NmfFitOptions { Rank = 6, MaxIterations = 500, Tolerance = 1e-2 });
        var tight = NmfEngine.Fit(x, new NmfFitOptions { Rank = 6, MaxIterations = 500, Tolerance = 1e-4 });

        tight.Iterations.Should().BeGreaterThan(loose.Iterations);
        tight.Objective.Should().BeLessThan(loose.Objective);
    }

    [Fact]
    public void MultiplicativeUpdates_ZeroTolerance_RunEveryIteration()
    {
        var x = TestData.Digits(60);
        var result = NmfEngine.Fit(x, new NmfFitOptions { Solver = NmfSolver.MultiplicativeUpdate, Rank = 3, MaxIterations = 37, Tolerance = 0 });
        result.Iterations.Should().Be(37);
        result.Converged.Should().BeFalse();
    }

    [Fact]
    public void Fit_ExactlyRepresentableData_ConvergesAtOnce()
    {
        // A rank-1 matrix from a start on the right ray: the first sweep already leaves nothing to do.
        var x = new DenseMatrix(2, 3, new[] { 1f, 2f, 3f, 2f, 4f, 6f });
        var result = NmfEngine.Fit(x, new NmfFitOptions
        {
            Rank = 1, MaxIterations = 50, Initialization = NmfInitialization.Custom,
            InitialW = new(2, 1, new[] { 1f, 2f }), InitialH = new(1, 3, new[] { 1f, 2f, 3f }),
        });
        result.Converged.Should().BeTrue();
        result.Iterations.Should().BeLessThanOrEqualTo(2);
        result.RelativeError.Should().BeLessThan(1e-6);
    }
}
