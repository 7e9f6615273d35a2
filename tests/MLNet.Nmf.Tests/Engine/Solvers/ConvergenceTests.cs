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

    [Theory]
    [MemberData(nameof(SolverCases.Solvers), MemberType = typeof(SolverCases))]
    public void Fit_ExactlyRepresentableData_ConvergesAtOnce(NmfSolver solver, NmfLoss loss)
    {
        // A rank-1 matrix from a start on the right ray: the first sweep already leaves nothing to do. Multiplicative
        // updates check every 10 iterations (from the 20th for β ≠ 2, whose history lags one iteration), relative to the
        // start's objective: an exact start's 0 made that 0 / 0, so they ran all 50 iterations and reported an exact fit as
        // not converged.
        var x = new DenseMatrix(2, 3, new[] { 1f, 2f, 3f, 2f, 4f, 6f });
        var result = NmfEngine.Fit(x, new NmfFitOptions
        {
            Solver = solver, Loss = loss, Rank = 1, MaxIterations = 50, Initialization = NmfInitialization.Custom,
            InitialW = new(2, 1, new[] { 1f, 2f }), InitialH = new(1, 3, new[] { 1f, 2f, 3f }),
        });
        result.Converged.Should().BeTrue();
        result.Iterations.Should().BeLessThanOrEqualTo(solver == NmfSolver.MultiplicativeUpdate ? 20 : 2);
        result.RelativeError.Should().BeLessThan(1e-6);
    }

    [Theory]
    [InlineData(NmfSolver.CoordinateDescent, NmfLoss.Frobenius, NmfMissingValues.Error)]
    [InlineData(NmfSolver.MultiplicativeUpdate, NmfLoss.KullbackLeibler, NmfMissingValues.Error)]
    [InlineData(NmfSolver.CoordinateDescentKL, NmfLoss.KullbackLeibler, NmfMissingValues.Error)]
    [InlineData(NmfSolver.CoordinateDescent, NmfLoss.Frobenius, NmfMissingValues.Ignore)]
    public void MaxIterationsIntMaxValue_RunsUntilTheTolerance(NmfSolver solver, NmfLoss loss, NmfMissingValues missing)
    {
        // MaxIterations = int.MaxValue passes validation ("at least 1"); every solver used to size its loss history with
        // new List<double>(MaxIterations + 1), which wrapped to int.MinValue: ArgumentOutOfRangeException "Non-negative
        // number required. (Parameter 'capacity')".
        var values = Magnitude.Values(30, 12, 1, 1f);
        if (missing == NmfMissingValues.Ignore)
            values[0] = float.NaN;
        var x = new DenseMatrix(30, 12, values, missing);
        var options = new NmfFitOptions { Rank = 3, Solver = solver, Loss = loss, MissingValues = missing, MaxIterations = int.MaxValue, DegreeOfParallelism = 2 };

        var fit = () => NmfEngine.Fit(x, options);

        var result = fit.Should().NotThrow().Subject;
        result.Converged.Should().BeTrue("the default tolerance stops this small fit after a few hundred iterations");
        result.LossHistory.Should().HaveCount(result.Iterations + 1);
    }

    [Fact]
    public void LargeMaxIterations_DoesNotAllocateTheLossHistoryUpFront()
    {
        // The same List<double>(MaxIterations + 1) reserved 8 bytes per allowed iteration before the first one: 20 million
        // allowed iterations allocated 160 MB on the calling thread for a fit that stops after about 200.
        var x = new DenseMatrix(30, 12, Magnitude.Values(30, 12, 1, 1f));
        var options = new NmfFitOptions { Rank = 3, MaxIterations = 20_000_000, DegreeOfParallelism = 1 };
        NmfEngine.Fit(x, options with { MaxIterations = 5 }); // warm up: pools, JIT

        long before = GC.GetAllocatedBytesForCurrentThread();
        var result = NmfEngine.Fit(x, options);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        result.Converged.Should().BeTrue();
        allocated.Should().BeLessThan(16L << 20, "a fit of 30 x 12 at rank 3 needs kilobytes, whatever the iteration cap");
    }

    [Fact]
    public void MaxIterationsAboveTheReservedHistory_RecordsEveryIteration()
    {
        // Past the 1024 values reserved up front, the history grows: a fit of 1500 iterations records 1501 objectives.
        var x = new DenseMatrix(30, 12, Magnitude.Values(30, 12, 1, 1f));
        var result = NmfEngine.Fit(x, new NmfFitOptions { Rank = 3, MaxIterations = 1500, Tolerance = 0, DegreeOfParallelism = 1 });

        result.Iterations.Should().Be(1500);
        result.LossHistory.Should().HaveCount(1501).And.OnlyContain(v => double.IsFinite(v));
    }
}
