using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Blocks;
using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Tests.Engine.Solvers;

/// <summary>
/// The stopping rules at a start that is already stationary: data of exactly rank k started from its own factors.
/// The coordinate-descent solvers compared each iteration's violation with the first one's, which at such a start is
/// rounding noise, so they ran every iteration up to MaxIterations and reported an exact fit as not converged.
/// </summary>
public class StationaryStartTests
{
    private const int Rows = 80, Columns = 30, Rank = 4, MaxIterations = 150;

    /// <summary>X = W0·H0 (products in double, rounded to float) with W0, H0 in [0.1, 1.1): exactly rank 4 to float precision.</summary>
    private static (DenseMatrix X, DenseMatrix W, DenseMatrix H) ExactRank(int seed = 7, int rows = Rows)
    {
        var random = new Random(seed);
        var w = new float[rows * Rank];
        var h = new float[Rank * Columns];
        for (int i = 0; i < w.Length; i++) w[i] = (float)(random.NextDouble() + 0.1);
        for (int i = 0; i < h.Length; i++) h[i] = (float)(random.NextDouble() + 0.1);
        var x = new float[rows * Columns];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < Columns; j++)
            {
                double s = 0;
                for (int t = 0; t < Rank; t++)
                    s += (double)w[i * Rank + t] * h[t * Columns + j];
                x[i * Columns + j] = (float)s;
            }
        return (new DenseMatrix(rows, Columns, x), new DenseMatrix(rows, Rank, w), new DenseMatrix(Rank, Columns, h));
    }

    private static NmfFitOptions StartAt(DenseMatrix w, DenseMatrix h, NmfSolver solver, NmfLoss loss, double beta = 2) => new()
    {
        Rank = Rank, Solver = solver, Loss = loss, Beta = beta, MaxIterations = MaxIterations,
        Initialization = NmfInitialization.Custom, InitialW = w, InitialH = h,
    };

    private static DenseMatrix WithTwoMissing(DenseMatrix x)
    {
        var values = x.Values.ToArray();
        values[5] = float.NaN;
        values[Columns * 40 + 17] = float.NaN;
        return new DenseMatrix(x.Rows, x.Columns, values, NmfMissingValues.Ignore);
    }

    [Theory]
    [InlineData(NmfSolver.CoordinateDescent, NmfLoss.Frobenius, NmfMissingValues.Error)]
    [InlineData(NmfSolver.CoordinateDescent, NmfLoss.Frobenius, NmfMissingValues.Ignore)]
    [InlineData(NmfSolver.CoordinateDescentKL, NmfLoss.KullbackLeibler, NmfMissingValues.Error)]
    public void CoordinateDescent_StartedAtTheExactFactors_ConvergesAfterOneIteration(NmfSolver solver, NmfLoss loss, NmfMissingValues missing)
    {
        var (x, w, h) = ExactRank();
        INmfMatrix data = missing == NmfMissingValues.Ignore ? WithTwoMissing(x) : x;

        var result = NmfEngine.Fit(data, StartAt(w, h, solver, loss) with { MissingValues = missing });

        result.Converged.Should().BeTrue("the start is a stationary point: there is nothing left to do");
        result.Iterations.Should().Be(1, "the first violation is rounding noise, and every later one is noise of the same size");
        result.LossHistory.Should().HaveCount(2);
        result.RelativeError.Should().BeLessThan(1e-5);
    }

    [Theory]
    [InlineData(NmfLoss.Frobenius, 2.0)]
    [InlineData(NmfLoss.KullbackLeibler, 1.0)]
    [InlineData(NmfLoss.Beta, 0.5)]
    [InlineData(NmfLoss.Beta, 1.5)]
    public void MultiplicativeUpdates_StartedAtTheExactFactors_ConvergeAtTheirFirstCheck(NmfLoss loss, double beta)
    {
        // The same start for the solver that checks every 10 iterations relative to the start's objective (rounding noise
        // here as well): it stops at its first check, iteration 10, or 20 where the history lags one iteration (β ≠ 2).
        var (x, w, h) = ExactRank();

        var result = NmfEngine.Fit(x, StartAt(w, h, NmfSolver.MultiplicativeUpdate, loss, beta));

        result.Converged.Should().BeTrue();
        result.Iterations.Should().Be(beta == 2 ? 10 : 20);
        result.LossHistory.Should().HaveCount(result.Iterations + 1);
    }

    [Fact]
    public void FitBlocks_StartedAtTheExactFactors_ConvergesAfterOneIteration()
    {
        var (x, w, h) = ExactRank();
        var blocks = new INmfMatrix[]
        {
            new DenseMatrix(50, Columns, x.Values[..(50 * Columns)].ToArray()),
            new DenseMatrix(30, Columns, x.Values[(50 * Columns)..].ToArray()),
        };

        var result = NmfEngine.FitBlocks(blocks, StartAt(w, h, NmfSolver.CoordinateDescent, NmfLoss.Frobenius));

        result.Converged.Should().BeTrue();
        result.Iterations.Should().Be(1);
        result.RelativeError.Should().BeLessThan(1e-5);
    }

    private sealed class Source(IReadOnlyList<INmfMatrix> blocks) : INmfRowBlockSource
    {
        public int Columns => blocks[0].Columns;
        public IEnumerable<INmfMatrix> ReadBlocks() => blocks;
    }

    [Fact]
    public void FitStreamed_WarmStartedAtTheExactComponents_ConvergesAfterOneIteration()
    {
        // Each block's W starts as its rows' projection onto H0: the exact features, to the projection's tolerance.
        var (x, _, h) = ExactRank();
        var source = new Source(new INmfMatrix[]
        {
            new DenseMatrix(40, Columns, x.Values[..(40 * Columns)].ToArray()),
            new DenseMatrix(40, Columns, x.Values[(40 * Columns)..].ToArray()),
        });

        var result = NmfEngine.FitStreamed(source, new NmfFitOptions { Rank = Rank, MaxIterations = MaxIterations },
            new NmfStreamingOptions { InitialComponents = h, MaxPasses = MaxIterations + 1 });

        result.Converged.Should().BeTrue();
        result.Iterations.Should().Be(1);
        result.Passes.Should().Be(2, "the counting pass, then one iteration");
    }

    [Theory]
    [InlineData(NmfSolver.CoordinateDescent, NmfLoss.Frobenius, NmfMissingValues.Error)]
    [InlineData(NmfSolver.CoordinateDescent, NmfLoss.Frobenius, NmfMissingValues.Ignore)]
    [InlineData(NmfSolver.CoordinateDescentKL, NmfLoss.KullbackLeibler, NmfMissingValues.Error)]
    public void CoordinateDescent_StartedNearButNotAtTheFactors_IsNotTakenForConverged(NmfSolver solver, NmfLoss loss, NmfMissingValues missing)
    {
        // H0 off by up to 1 % in each entry: a start with real work left, whose first violation is far above rounding noise.
        var (x, w, h) = ExactRank();
        var random = new Random(3);
        var nudged = new DenseMatrix(Rank, Columns, h.Values.ToArray().Select(v => v * (float)(1 + 0.01 * (2 * random.NextDouble() - 1))).ToArray());
        INmfMatrix data = missing == NmfMissingValues.Ignore ? WithTwoMissing(x) : x;

        var result = NmfEngine.Fit(data, StartAt(w, nudged, solver, loss) with { MissingValues = missing });

        result.Iterations.Should().BeGreaterThan(1);
        result.LossHistory[^1].Should().BeLessThan(result.LossHistory[0] / 10, "the iterations remove most of the start's error");
    }

    [Theory]
    [InlineData(NmfSolver.CoordinateDescent, NmfLoss.Frobenius)]
    [InlineData(NmfSolver.CoordinateDescentKL, NmfLoss.KullbackLeibler)]
    public void WarmStartFromAFitConvergedAtTheDefaultTolerance_KeepsIterating(NmfSolver solver, NmfLoss loss)
    {
        // Such a start is close to stationary (its first violation about 10⁻⁵ of the gradient's scale) but not to float
        // precision: the relative rule decides it, as before, and the fit keeps improving.
        var x = TestData.Digits(200);
        var options = new NmfFitOptions { Solver = solver, Loss = loss, Rank = 6, MaxIterations = 400 };
        var cold = NmfEngine.Fit(x, options);
        cold.Converged.Should().BeTrue();

        var warm = NmfEngine.Fit(x, options with { MaxIterations = 30, Initialization = NmfInitialization.Custom, InitialW = cold.W, InitialH = cold.H });

        warm.Iterations.Should().BeGreaterThan(1);
        warm.LossHistory[^1].Should().BeLessThan(warm.LossHistory[0]);
    }

    [Theory]
    [InlineData(NmfSolver.CoordinateDescent, NmfLoss.Frobenius, NmfMissingValues.Error)]
    [InlineData(NmfSolver.CoordinateDescent, NmfLoss.Frobenius, NmfMissingValues.Ignore)]
    [InlineData(NmfSolver.CoordinateDescentKL, NmfLoss.KullbackLeibler, NmfMissingValues.Error)]
    [InlineData(NmfSolver.MultiplicativeUpdate, NmfLoss.Frobenius, NmfMissingValues.Error)]
    public void ZeroTolerance_RunsEveryIteration_EvenFromAnExactlyStationaryStart(NmfSolver solver, NmfLoss loss, NmfMissingValues missing)
    {
        // Tolerance = 0 "runs exactly MaxIterations iterations" (NmfFitOptions.Tolerance). A rank-1 matrix from its own
        // factors has a first violation of exactly 0, which stopped the coordinate-descent solvers after one iteration,
        // reported as converged, while multiplicative updates ran all of them.
        var x = new DenseMatrix(2, 3, new[] { 1f, 2f, 3f, 2f, 4f, 6f }, missing);
        var result = NmfEngine.Fit(x, new NmfFitOptions
        {
            Solver = solver, Loss = loss, Rank = 1, MaxIterations = 12, Tolerance = 0, MissingValues = missing,
            Initialization = NmfInitialization.Custom, InitialW = new(2, 1, new[] { 1f, 2f }), InitialH = new(1, 3, new[] { 1f, 2f, 3f }),
        });

        result.Iterations.Should().Be(12);
        result.Converged.Should().BeFalse("Tolerance = 0 never stops a fit");
        result.LossHistory.Should().HaveCount(13);
        result.RelativeError.Should().BeLessThan(1e-6);
    }

    [Fact]
    public void FitBlocks_ZeroTolerance_RunsEveryIteration_EvenFromAnExactlyStationaryStart()
    {
        var blocks = new INmfMatrix[] { new DenseMatrix(1, 3, new[] { 1f, 2f, 3f }), new DenseMatrix(1, 3, new[] { 2f, 4f, 6f }) };
        var result = NmfEngine.FitBlocks(blocks, new NmfFitOptions
        {
            Rank = 1, MaxIterations = 12, Tolerance = 0,
            Initialization = NmfInitialization.Custom, InitialW = new(2, 1, new[] { 1f, 2f }), InitialH = new(1, 3, new[] { 1f, 2f, 3f }),
        });

        result.Iterations.Should().Be(12);
        result.Converged.Should().BeFalse();
    }
}
