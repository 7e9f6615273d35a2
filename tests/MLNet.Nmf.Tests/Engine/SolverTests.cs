using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Tests.Engine;

public class SolverTests
{
    private static NmfFitOptions Options(NmfSolver solver, NmfLoss loss, NmfInitialization init, int rank, int rows, int columns) => new()
    {
        Solver = solver,
        Loss = loss,
        Initialization = init,
        Rank = rank,
        MaxIterations = 30,
        Tolerance = 0,
        Seed = 7,
        InitialW = init == NmfInitialization.Custom ? Constant(rows, rank, 0.3f) : null,
        InitialH = init == NmfInitialization.Custom ? Constant(rank, columns, 0.2f, varying: true) : null,
    };

    private static DenseMatrix Constant(int rows, int columns, float value, bool varying = false) =>
        new(rows, columns, Enumerable.Range(0, rows * columns).Select(i => value * (varying ? 1 + (i % 7) / 7f : 1 + (i % 3) / 3f)).ToArray());

    [Theory]
    [MemberData(nameof(SolverCases.SolverByInitByStorage), MemberType = typeof(SolverCases))]
    public void Fit_EverySolverAndInit_GivesNonNegativeFactors_AndDenseEqualsSparse(NmfSolver solver, NmfLoss loss, NmfInitialization init)
    {
        var (dense, sparse) = TestData.Random(60, 40, 0.3, seed: 11);
        var options = Options(solver, loss, init, 4, 60, 40);

        var fromDense = NmfEngine.Fit(dense, options);
        var fromSparse = NmfEngine.Fit(sparse, options);

        foreach (var result in new[] { fromDense, fromSparse })
        {
            result.W.Values.ToArray().Should().OnlyContain(v => v >= 0 && float.IsFinite(v));
            result.H.Values.ToArray().Should().OnlyContain(v => v >= 0 && float.IsFinite(v));
            result.Iterations.Should().Be(30);
        }
        // The dense and CSR code paths add in different orders; after 30 iterations the factors may
        // drift by float rounding amplified by the iterations, far below 1e-3 of their norm.
        RelativeDifference(fromDense.H, fromSparse.H).Should().BeLessThan(1e-3);
        RelativeDifference(fromDense.W, fromSparse.W).Should().BeLessThan(1e-3);
        fromDense.RelativeError.Should().BeApproximately(fromSparse.RelativeError, 1e-4);
    }

    [Fact]
    public void Fit_RealText_CdAndCcdKl_AgreeOnDenseAndSparse()
    {
        var sparse = TestData.TextTfidf(120);
        var dense = sparse.ToDense();
        foreach (var (solver, loss) in new[] { (NmfSolver.CoordinateDescent, NmfLoss.Frobenius), (NmfSolver.CoordinateDescentKL, NmfLoss.KullbackLeibler) })
        {
            var options = new NmfFitOptions { Solver = solver, Loss = loss, Rank = 5, MaxIterations = 20, Tolerance = 0 };
            var a = NmfEngine.Fit(dense, options);
            var b = NmfEngine.Fit(sparse, options);
            RelativeDifference(a.H, b.H).Should().BeLessThan(1e-3);
            a.RelativeError.Should().BeLessThan(1).And.BeApproximately(b.RelativeError, 1e-4);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Fit_ExactlyLowRankMatrix_IsRecovered_ByCoordinateDescent(bool sparse)
    {
        var x = TestData.LowRank(60, 40, 4, seed: 5, withZeros: sparse);
        INmfMatrix input = sparse ? x.ToCsr() : x;
        var result = NmfEngine.Fit(input, new NmfFitOptions { Rank = 4, MaxIterations = 2000, Tolerance = 1e-12, Initialization = NmfInitialization.Nndsvda });
        result.RelativeError.Should().BeLessThan(1e-4);
        TestData.RelativeError(x, result.W, result.H).Should().BeLessThan(1e-4, "an independent double-precision check of W·H");
    }

    [Fact]
    public void Fit_ExactlyLowRankMatrix_IsApproached_ByMultiplicativeUpdates()
    {
        // MU converges sublinearly; 2000 iterations get within 1e-2 on this problem (measured ~3e-3).
        var x = TestData.LowRank(60, 40, 4, seed: 5);
        var result = NmfEngine.Fit(x, new NmfFitOptions { Rank = 4, Solver = NmfSolver.MultiplicativeUpdate, MaxIterations = 2000, Tolerance = 0 });
        TestData.RelativeError(x, result.W, result.H).Should().BeLessThan(1e-2);
    }

    [Theory]
    [MemberData(nameof(SolverCases.Solvers), MemberType = typeof(SolverCases))]
    public void Fit_ObjectiveNeverIncreases_WithAndWithoutPenalties(NmfSolver solver, NmfLoss loss)
    {
        var (_, sparse) = TestData.Random(50, 30, 0.4, seed: 21);
        foreach (var (alpha, ratio) in new[] { (0.0, 0.0), (0.01, 0.5), (0.02, 0.0), (0.01, 1.0) })
        {
            var result = NmfEngine.Fit(sparse, new NmfFitOptions
            {
                Solver = solver, Loss = loss, Rank = 5, MaxIterations = 40, Tolerance = 0, AlphaW = alpha, L1Ratio = ratio,
                Initialization = NmfInitialization.Random, Seed = 3,
            });
            var history = result.LossHistory;
            history.Count.Should().Be(41);
            for (int i = 1; i < history.Count; i++)
            {
                // Slack: float rounding of the products behind each objective value (~1e-7 relative).
                history[i].Should().BeLessThanOrEqualTo(history[i - 1] * (1 + 1e-6),
                    $"{solver}/{loss} alpha {alpha} l1 {ratio}: iteration {i}");
            }
            history[^1].Should().BeLessThan(history[0]);
        }
    }

    [Fact]
    public void Fit_RealText_ObjectiveNeverIncreases_ForEverySolver()
    {
        var x = TestData.TextTfidf(200);
        foreach (var (solver, loss) in SolverCases.All)
        {
            var history = NmfEngine.Fit(x, new NmfFitOptions { Solver = solver, Loss = loss, Rank = 6, MaxIterations = 25, Tolerance = 0 }).LossHistory;
            for (int i = 1; i < history.Count; i++)
                history[i].Should().BeLessThanOrEqualTo(history[i - 1] * (1 + 1e-6), $"{solver}/{loss} iteration {i}");
        }
    }

    [Theory]
    [MemberData(nameof(SolverCases.Solvers), MemberType = typeof(SolverCases))]
    public void Fit_L1Penalty_MakesFactorsSparser(NmfSolver solver, NmfLoss loss)
    {
        var x = TestData.TextTfidf(150);
        var plain = new NmfFitOptions { Solver = solver, Loss = loss, Rank = 6, MaxIterations = 60, Tolerance = 0, Initialization = NmfInitialization.Nndsvd };
        var baseline = NmfEngine.Fit(x, plain);
        var penalized = NmfEngine.Fit(x, plain with { AlphaW = 0.002, AlphaH = 0.01, L1Ratio = 1.0 });
        (TestData.CountZeros(penalized.W) + TestData.CountZeros(penalized.H))
            .Should().BeGreaterThan(TestData.CountZeros(baseline.W) + TestData.CountZeros(baseline.H));
    }

    [Theory]
    [MemberData(nameof(SolverCases.Solvers), MemberType = typeof(SolverCases))]
    public void Fit_L2Penalty_ShrinksSquaredNorms(NmfSolver solver, NmfLoss loss)
    {
        var x = TestData.Digits(200);
        var plain = new NmfFitOptions { Solver = solver, Loss = loss, Rank = 6, MaxIterations = 60, Tolerance = 0 };
        var baseline = NmfEngine.Fit(x, plain);
        var penalized = NmfEngine.Fit(x, plain with { AlphaW = 0.05, L1Ratio = 0.0 });
        (TestData.SquaredNorm(penalized.W) + TestData.SquaredNorm(penalized.H))
            .Should().BeLessThan(TestData.SquaredNorm(baseline.W) + TestData.SquaredNorm(baseline.H));
    }

    [Theory]
    [MemberData(nameof(SolverCases.Solvers), MemberType = typeof(SolverCases))]
    public void Fit_SameSeed_IsBitIdentical_With1And4Threads(NmfSolver solver, NmfLoss loss)
    {
        var (_, x) = TestData.Random(3000, 300, 0.02, seed: 8);
        var options = new NmfFitOptions { Solver = solver, Loss = loss, Rank = 6, MaxIterations = 12, Tolerance = 0, Shuffle = true, Seed = 42 };
        var one = NmfEngine.Fit(x, options with { DegreeOfParallelism = 1 });
        var four = NmfEngine.Fit(x, options with { DegreeOfParallelism = 4 });
        four.W.Values.ToArray().Should().Equal(one.W.Values.ToArray());
        four.H.Values.ToArray().Should().Equal(one.H.Values.ToArray());
        four.LossHistory.Should().Equal(one.LossHistory);
    }

    [Fact]
    public void Fit_ToleranceStopsEarly_AndReportsConvergence()
    {
        var x = TestData.Digits(300);
        var result = NmfEngine.Fit(x, new NmfFitOptions { Rank = 8, MaxIterations = 500, Tolerance = 1e-2 });
        result.Converged.Should().BeTrue();
        result.Iterations.Should().BeLessThan(500);
        var capped = NmfEngine.Fit(x, new NmfFitOptions { Rank = 8, MaxIterations = 3, Tolerance = 1e-12 });
        capped.Converged.Should().BeFalse();
        capped.Iterations.Should().Be(3);
    }

    [Fact]
    public void Fit_GeneralBetaAndItakuraSaito_RunWithMultiplicativeUpdates()
    {
        var x = TestData.Digits(100);
        var positive = new DenseMatrix(x.Rows, x.Columns, x.Values.ToArray().Select(v => v + 0.5f).ToArray());
        foreach (var (loss, beta, data) in new[] { (NmfLoss.Beta, 1.5, x), (NmfLoss.Beta, 3.0, x), (NmfLoss.ItakuraSaito, 0.0, positive) })
        {
            var result = NmfEngine.Fit(data, new NmfFitOptions { Solver = NmfSolver.MultiplicativeUpdate, Loss = loss, Beta = beta, Rank = 4, MaxIterations = 30, Tolerance = 0 });
            result.LossHistory[^1].Should().BeLessThan(result.LossHistory[0], $"{loss} {beta}");
            result.W.Values.ToArray().Should().OnlyContain(v => v >= 0 && float.IsFinite(v));
        }
    }

    internal static double RelativeDifference(DenseMatrix a, DenseMatrix b)
    {
        double diff = 0, norm = 0;
        var av = a.Values;
        var bv = b.Values;
        for (int i = 0; i < av.Length; i++)
        {
            diff += (double)(av[i] - bv[i]) * (av[i] - bv[i]);
            norm += (double)bv[i] * bv[i];
        }
        return Math.Sqrt(diff / Math.Max(norm, 1e-300));
    }
}
