using System.Diagnostics;
using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Tests.Engine.Support;

namespace MLNet.Nmf.Tests.Engine.Validation;

/// <summary>
/// A rank chosen by a user is checked against the data and the memory the fit needs before anything is
/// allocated: it used to crash the process (AccessViolation in the Gram kernel at rank 100,000), throw
/// OverflowException (50,000) or NullReferenceException (65,536), or run for minutes into OutOfMemory.
/// </summary>
public class RankAndMemoryLimitTests
{
    private static readonly DenseMatrix TenBySixtyFour = TestData.Digits(10);

    [Theory]
    [InlineData(65)]
    [InlineData(50_000)]
    [InlineData(65_536)]
    [InlineData(100_000)]
    [InlineData(int.MaxValue / 2)]
    [InlineData(int.MaxValue)]
    public void RankAboveTheFeatures_IsRefusedAtOnce_NamingRank(int rank)
    {
        foreach (var solver in new[] { NmfSolver.CoordinateDescent, NmfSolver.MultiplicativeUpdate, NmfSolver.CoordinateDescentKL })
        {
            var options = new NmfFitOptions { Rank = rank, Solver = solver, Loss = solver == NmfSolver.CoordinateDescentKL ? NmfLoss.KullbackLeibler : NmfLoss.Frobenius };
            var clock = Stopwatch.StartNew();
            var error = FluentActions.Invoking(() => NmfEngine.Fit(TenBySixtyFour, options)).Should().Throw<ArgumentOutOfRangeException>().Which;
            error.ParamName.Should().Be("Rank");
            error.Message.Should().StartWith($"Rank {rank} is above the number of features (64)");
            // Refused before any rank-sized allocation: the whole call allocates a few kilobytes however large the rank.
            clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30), "the check comes before any work");
        }
    }

    [Fact]
    public void RankEqualToTheFeatures_Fits()
    {
        var result = NmfEngine.Fit(TenBySixtyFour, new NmfFitOptions { Rank = 64, Initialization = NmfInitialization.Random, MaxIterations = 3 });
        result.H.Rows.Should().Be(64);
        result.W.Values.ToArray().Should().OnlyContain(v => float.IsFinite(v) && v >= 0);
    }

    [Fact]
    public void FactorBeyondWhatAnArrayHolds_IsRefused_NamingRank()
    {
        // One row, int.MaxValue features (sparse): rank 2 needs a 2 x 2^31 factor, past Array.MaxLength.
        var wide = new CsrMatrix(1, int.MaxValue, new[] { 0, 1 }, new[] { 5 }, new[] { 1f });
        var error = FluentActions.Invoking(() => NmfEngine.Fit(wide, new NmfFitOptions { Rank = 2, Initialization = NmfInitialization.Random }))
            .Should().Throw<ArgumentOutOfRangeException>().Which;
        error.ParamName.Should().Be("Rank");
        error.Message.Should().Contain("more than a .NET array can hold");
    }

    [Fact]
    public void FitAboveTheMemoryBudget_IsRefused_NamingRankAndBytes()
    {
        // 1 x 10,000,000 sparse at rank 64: Hᵀ alone is 2.56 GB. Checked against a 1 GiB budget (the real check
        // uses GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, which differs from machine to machine).
        var wide = new CsrMatrix(1, 10_000_000, new[] { 0, 1 }, new[] { 5 }, new[] { 1f });
        var data = DataOperand.Create(wide);
        var options = new NmfFitOptions { Rank = 64, Initialization = NmfInitialization.Random };
        var error = FluentActions.Invoking(() => FitBudget.Check(options, data, NmfInitialization.Random, available: 1L << 30))
            .Should().Throw<ArgumentOutOfRangeException>().Which;
        error.ParamName.Should().Be("Rank");
        error.Message.Should().MatchRegex(@"Rank 64 on 1 x 10000000 data \(1 stored values\) needs about \d+ bytes .* more than the 1073741824 bytes this process may use");
        FitBudget.EstimateBytes(options, data, NmfInitialization.Random).Should().BeGreaterThan(2 * 10_000_000.0 * 64 * sizeof(float));
    }

    [Fact]
    public void OrdinaryFit_IsWithinTheBudget_AndTheLogSaysWhatItWillCost()
    {
        var log = new List<string>();
        NmfEngine.Fit(TestData.Digits(100), new NmfFitOptions { Rank = 6, MaxIterations = 3, Log = log.Add });
        log[0].Should().MatchRegex(@"^NMF: starting rank 6 on 100 x 64 \(6400 stored\); it will use about \d+ MiB of memory beyond the data\.$");
    }

    [Fact]
    public void CoordinateDescentKL_WithALargeDegreeOfParallelism_FitsAsTheOtherSolversDo()
    {
        // CoordinateDescent and MultiplicativeUpdate fit 30 x 12 with DegreeOfParallelism = int.MaxValue; CoordinateDescentKL
        // refused it with "Rank 3 on 30 x 12 data ... needs about 773094124908 bytes (720.0 GiB) ... Lower the rank, or fit
        // fewer rows or features": the estimate counted a buffer per requested thread, and the message blamed Rank.
        var x = new DenseMatrix(30, 12, Magnitude.Values(30, 12, 1, 1f));
        var options = new NmfFitOptions { Rank = 3, Solver = NmfSolver.CoordinateDescentKL, Loss = NmfLoss.KullbackLeibler, DegreeOfParallelism = int.MaxValue };

        var fit = () => NmfEngine.Fit(x, options);

        var result = fit.Should().NotThrow().Subject;
        result.H.Values.ToArray().Should().Equal(NmfEngine.Fit(x, options with { DegreeOfParallelism = 1 }).H.Values.ToArray());
    }

    [Fact]
    public void MissingValuesIgnore_WithALargeDegreeOfParallelism_Fits()
    {
        // The masked fit's per-thread Gram scratch is counted for the threads that can run, not for int.MaxValue of them.
        var values = Magnitude.Values(30, 12, 1, 1f);
        values[5] = float.NaN;
        var x = new DenseMatrix(30, 12, values, NmfMissingValues.Ignore);
        var options = new NmfFitOptions { Rank = 3, MissingValues = NmfMissingValues.Ignore, DegreeOfParallelism = int.MaxValue };

        var fit = () => NmfEngine.Fit(x, options);

        var result = fit.Should().NotThrow().Subject;
        result.H.Values.ToArray().Should().Equal(NmfEngine.Fit(x, options with { DegreeOfParallelism = 1 }).H.Values.ToArray());
    }
}
