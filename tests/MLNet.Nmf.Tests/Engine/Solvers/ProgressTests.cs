using MLNet.Nmf.Engine;
using MLNet.Nmf.Tests.Engine.Support;

namespace MLNet.Nmf.Tests.Engine.Solvers;

/// <summary>The one progress and cancellation hook every solver calls once per outer iteration.</summary>
public class ProgressTests
{
    [Theory]
    [MemberData(nameof(SolverCases.Solvers), MemberType = typeof(SolverCases))]
    public void Fit_CallsProgressOncePerIteration_WithTheObjectivesOfTheLossHistory(NmfSolver solver, NmfLoss loss)
    {
        var reports = new List<NmfProgress>();
        var options = new NmfFitOptions { Solver = solver, Loss = loss, Rank = 4, MaxIterations = 12, Tolerance = 0, Progress = reports.Add };
        var result = NmfEngine.Fit(TestData.TextTfidf(80), options);

        reports.Select(p => p.Iteration).Should().Equal(Enumerable.Range(1, result.Iterations));
        reports.Should().OnlyContain(p => p.MaxIterations == 12 && p.Elapsed >= TimeSpan.Zero && p.EstimatedRemaining >= TimeSpan.Zero);
        reports[^1].EstimatedRemaining.Should().Be(TimeSpan.Zero, "no iteration is left after the last one");
        reports.Select(p => p.Objective).Should().BeSubsetOf(result.LossHistory, "each report carries an objective the solver computed");
        foreach (var (previous, current) in reports.Zip(reports.Skip(1)))
        {
            current.Elapsed.Should().BeGreaterThanOrEqualTo(previous.Elapsed);
            current.RelativeChange.Should().BeApproximately(Math.Abs(previous.Objective - current.Objective) / previous.Objective, 1e-12);
        }
    }

    [Fact]
    public void FitBlocks_SeveralRowBlocks_ReportsThroughTheSameHook()
    {
        var reports = new List<NmfProgress>();
        var x = TestData.TextTfidf(90);
        var options = new NmfFitOptions { Rank = 4, MaxIterations = 9, Tolerance = 0, Progress = reports.Add };
        var result = NmfEngine.FitBlocks(Blocks.FitBlocksTests.Split(x, 30, 30, 30), options);
        reports.Select(p => p.Iteration).Should().Equal(Enumerable.Range(1, 9));
        reports.Select(p => p.Objective).Should().Equal(result.LossHistory.Skip(1), "the block driver reports each iteration's objective");

        using var cancellation = new CancellationTokenSource();
        var cancelled = options with { CancellationToken = cancellation.Token, Progress = p => { if (p.Iteration == 2) cancellation.Cancel(); } };
        var fit = () => NmfEngine.FitBlocks(Blocks.FitBlocksTests.Split(x, 30, 30, 30), cancelled);
        fit.Should().Throw<OperationCanceledException>();
    }

    [Fact]
    public void Fit_IgnoringMissingValues_ReportsEveryIteration_AndIsCancelledThroughTheSameHook()
    {
        // The masked solver (MissingValues = Ignore, also behind rank selection and the reconstruction estimator) never
        // called the hook: no progress, and neither the token nor MLContext.CancelExecution could stop it.
        var values = TestData.TextTfidf(80).ToDense().Values.ToArray();
        for (int i = 0; i < values.Length; i += 7)
            values[i] = float.NaN;
        var x = new global::MLNet.Nmf.Engine.Matrices.DenseMatrix(80, values.Length / 80, values, NmfMissingValues.Ignore);
        var reports = new List<NmfProgress>();
        var options = new NmfFitOptions { Rank = 4, MaxIterations = 12, Tolerance = 0, MissingValues = NmfMissingValues.Ignore, Progress = reports.Add };

        var result = NmfEngine.Fit(x, options);

        reports.Select(p => p.Iteration).Should().Equal(Enumerable.Range(1, result.Iterations));
        reports.Select(p => p.Objective).Should().Equal(result.LossHistory.Take(result.Iterations), "the masked solver reports the objective its W pass computed");

        using var cancellation = new CancellationTokenSource();
        var cancelled = options with { CancellationToken = cancellation.Token, Progress = p => { if (p.Iteration == 3) cancellation.Cancel(); } };
        var fit = () => NmfEngine.Fit(x, cancelled);
        fit.Should().Throw<OperationCanceledException>();
    }

    [Theory]
    [InlineData(NmfSolver.CoordinateDescent)]
    [InlineData(NmfSolver.MultiplicativeUpdate)]
    public void Fit_OfAnExactlyFittedMatrix_ReportsARelativeChangeOfZero_NotNaN(NmfSolver solver)
    {
        // All ones is fitted exactly at rank 1: every objective is 0, and 0 / 0 was reported as the change (NaN).
        var reports = new List<NmfProgress>();
        var ones = new global::MLNet.Nmf.Engine.Matrices.DenseMatrix(4, 3, Enumerable.Repeat(1f, 12).ToArray());
        var result = NmfEngine.Fit(ones, new NmfFitOptions { Rank = 1, Solver = solver, MaxIterations = 5, Tolerance = 0, Progress = reports.Add });

        result.LossHistory.Should().OnlyContain(v => v == 0, "the premise: the fit is exact from the start");
        reports.Should().HaveCount(5).And.OnlyContain(p => p.RelativeChange == 0);
    }

    [Fact]
    public void Fit_CancelledDuringTheIterations_ThrowsOperationCanceledException()
    {
        using var cancellation = new CancellationTokenSource();
        int calls = 0;
        var options = new NmfFitOptions
        {
            Rank = 4, MaxIterations = 50, Tolerance = 0, CancellationToken = cancellation.Token,
            Progress = p => { calls++; if (p.Iteration == 3) cancellation.Cancel(); },
        };
        var fit = () => NmfEngine.Fit(TestData.TextTfidf(80), options);
        fit.Should().Throw<OperationCanceledException>();
        calls.Should().Be(3, "the token is checked before the next iteration's report");
    }

    [Fact]
    public void Fit_LogsAProgressLineAfterTheFirstIteration_ThenEveryProgressInterval()
    {
        var quiet = new List<string>();
        NmfEngine.Fit(TestData.TextTfidf(80), new NmfFitOptions { Rank = 4, MaxIterations = 10, Tolerance = 0, Log = quiet.Add });
        quiet.Where(l => l.StartsWith("NMF: iteration ")).Should().ContainSingle("the default interval (5 s) is longer than this fit")
            .Which.Should().MatchRegex(@"^NMF: iteration 1/10, objective [0-9.E+-]+, relative change ([0-9.E+-]+|NaN), [0-9.]+ s elapsed, at most [0-9.]+ s left\.$");

        var every = new List<string>();
        NmfEngine.Fit(TestData.TextTfidf(80), new NmfFitOptions { Rank = 4, MaxIterations = 10, Tolerance = 0, Log = every.Add, ProgressInterval = TimeSpan.Zero });
        every.Where(l => l.StartsWith("NMF: iteration ")).Should().HaveCount(10);
    }
}
