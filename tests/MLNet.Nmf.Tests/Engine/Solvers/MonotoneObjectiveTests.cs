using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Tests.Engine.Support;

namespace MLNet.Nmf.Tests.Engine.Solvers;

/// <summary>
/// Every solver is a descent method on its objective (divergence plus penalties): HALS and CCD-KL
/// minimise each coordinate exactly or by safeguarded Newton steps, multiplicative updates are
/// majorise-minimise steps. So <see cref="NmfResult.LossHistory"/> must never rise.
/// </summary>
public class MonotoneObjectiveTests
{
    // The history is accumulated from float products (~1e-7 relative rounding per value): a rise of
    // more than 1e-6 of the objective is a real increase, not rounding.
    private const double Slack = 1e-6;

    /// <summary>(AlphaW, AlphaH, L1Ratio): none, mixed, pure L2, pure L1, separate W and H strengths, H only.</summary>
    private static readonly (double AlphaW, double? AlphaH, double L1Ratio)[] Penalties =
    {
        (0, null, 0), (0.01, null, 0.5), (0.02, null, 0), (0.01, null, 1), (0.005, 0.03, 0.3), (0, 0.02, 0.7),
    };

    public static IEnumerable<object[]> SolversByPenalty() =>
        from c in SolverCases.All from p in Penalties select new object[] { c.Solver, c.Loss, p.AlphaW, p.AlphaH!, p.L1Ratio };

    [Theory]
    [MemberData(nameof(SolversByPenalty))]
    public void Fit_RandomData_ObjectiveNeverIncreases(NmfSolver solver, NmfLoss loss, double alphaW, double? alphaH, double l1Ratio)
    {
        var (_, sparse) = TestData.Random(50, 30, 0.4, seed: 21);
        foreach (bool shuffle in new[] { false, true })
        {
            var result = NmfEngine.Fit(sparse, new NmfFitOptions
            {
                Solver = solver, Loss = loss, Rank = 5, MaxIterations = 40, Tolerance = 0,
                AlphaW = alphaW, AlphaH = alphaH, L1Ratio = l1Ratio, Shuffle = shuffle,
                Initialization = NmfInitialization.Random, Seed = 3,
            });

            result.LossHistory.Should().HaveCount(41);
            FactorAssertions.ShouldNeverIncrease(result.LossHistory, Slack, $"{solver}/{loss}, alpha {alphaW}/{alphaH}, l1 {l1Ratio}, shuffle {shuffle}");
        }
    }

    [Theory]
    [MemberData(nameof(SolverCases.Solvers), MemberType = typeof(SolverCases))]
    public void Fit_StartThreeTimesTheOptimum_ObjectiveNeverIncreases(NmfSolver solver, NmfLoss loss)
    {
        // X = 2 x 2 ones, rank 1, H0 = (1, 1), W0 = (3, 3): the W update alone must bring each w from 3 down
        // towards its optimum 1 without making the objective worse (a descent step may undershoot, never ascend).
        var x = new DenseMatrix(2, 2, new[] { 1f, 1f, 1f, 1f });
        var result = NmfEngine.Fit(x, new NmfFitOptions
        {
            Solver = solver, Loss = loss, Rank = 1, MaxIterations = 6, Tolerance = 0, Initialization = NmfInitialization.Custom,
            InitialW = new DenseMatrix(2, 1, new[] { 3f, 3f }), InitialH = new DenseMatrix(1, 2, new[] { 1f, 1f }),
        });

        FactorAssertions.ShouldNeverIncrease(result.LossHistory, Slack, $"{solver}/{loss} from W0 = 3 · optimum");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void CoordinateDescent_AnyNumberOfInnerSweeps_ObjectiveNeverIncreases(int innerIterations)
    {
        var x = TestData.Digits(150);
        var result = NmfEngine.Fit(x, new NmfFitOptions { Rank = 6, MaxIterations = 40, Tolerance = 0, InnerIterations = innerIterations, AlphaW = 0.001, L1Ratio = 0.5 });
        FactorAssertions.ShouldNeverIncrease(result.LossHistory, Slack, $"{innerIterations} sweeps");
    }

    [Theory]
    [MemberData(nameof(SolverCases.Solvers), MemberType = typeof(SolverCases))]
    public void Fit_RealText_ObjectiveNeverIncreases(NmfSolver solver, NmfLoss loss)
    {
        var x = TestData.TextTfidf(200);
        foreach (double alpha in new[] { 0.0, 0.0002 })
        {
            var result = NmfEngine.Fit(x, new NmfFitOptions { Solver = solver, Loss = loss, Rank = 6, MaxIterations = 25, Tolerance = 0, AlphaW = alpha, L1Ratio = 0.5 });
            FactorAssertions.ShouldNeverIncrease(result.LossHistory, Slack, $"{solver}/{loss} on the Debian descriptions, alpha {alpha}");
        }
    }

    [Theory]
    [MemberData(nameof(SolverCases.Solvers), MemberType = typeof(SolverCases))]
    public void Fit_RealDigits_ObjectiveNeverIncreases(NmfSolver solver, NmfLoss loss)
    {
        var x = TestData.Digits(200);
        var result = NmfEngine.Fit(x, new NmfFitOptions { Solver = solver, Loss = loss, Rank = 8, MaxIterations = 25, Tolerance = 0 });
        FactorAssertions.ShouldNeverIncrease(result.LossHistory, Slack, $"{solver}/{loss} on the digits");
    }

    [Theory]
    [InlineData(1.5)]
    [InlineData(0.5)]
    [InlineData(3.0)]
    public void MultiplicativeUpdates_GeneralBeta_ObjectiveNeverIncreases(double beta)
    {
        // Févotte & Idier's exponent γ(β) makes each update a majorise-minimise step for every β.
        var x = TestData.Digits(60);
        var positive = new DenseMatrix(x.Rows, x.Columns, x.Values.ToArray().Select(v => v + 0.5f).ToArray());
        var result = NmfEngine.Fit(beta <= 0.5 ? positive : x, new NmfFitOptions
        {
            Solver = NmfSolver.MultiplicativeUpdate, Loss = NmfLoss.Beta, Beta = beta, Rank = 4, MaxIterations = 20, Tolerance = 0,
        });
        FactorAssertions.ShouldNeverIncrease(result.LossHistory, Slack, $"beta {beta}");
    }
}
