using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Projection;
using MLNet.Nmf.Engine.Solvers;
using MLNet.Nmf.Tests.Engine.Support;

namespace MLNet.Nmf.Tests.Engine.Projection;

/// <summary>
/// Near-collinear components (k = 60) make the projection's coordinate sweeps converge so slowly that rows reach the
/// 500-sweep limit before their tolerance; those rows are finished exactly (<see cref="NmfProjector.ActiveSetFinish"/>).
/// Every row is held against a plain Lawson–Hanson solve in double (<see cref="ReferenceNnls"/>), and the rows whose
/// sweeps met the tolerance against the projection without the finish, bit for bit.
/// </summary>
public class ActiveSetFinishTests
{
    private const double Default = NmfFitOptions.Defaults.ProjectionTolerance;
    private const int Sweeps = NmfFitOptions.Defaults.ProjectionMaxIterations;

    [Fact]
    public void ExactRankData_NearCollinearComponents_FitReturnsTheExactFeatures()
    {
        // X = W₀H₀ with W₀, H₀ uniform on [0, 1) (components at cosines about 0.75), fitted from the exact start. The
        // projection used to stop every row at the sweep limit with a relative error of 0.017 (the solver's W: 4e-6).
        const int m = 80, n = 150, k = 60;
        var random = new Random(5);
        var w0 = Enumerable.Range(0, m * k).Select(_ => (float)random.NextDouble()).ToArray();
        var h0 = Enumerable.Range(0, k * n).Select(_ => (float)random.NextDouble()).ToArray();
        var x = new float[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int t = 0; t < k; t++) s += (double)w0[i * k + t] * h0[t * n + j];
                x[i * n + j] = (float)s;
            }
        var data = new DenseMatrix(m, n, x);

        var result = NmfEngine.Fit(data, new NmfFitOptions
        {
            Rank = k, MaxIterations = 1, Initialization = NmfInitialization.Custom,
            InitialW = new DenseMatrix(m, k, w0), InitialH = new DenseMatrix(k, n, h0), DegreeOfParallelism = 2,
        });
        var lastSweep = Projector(result.H, activeSetFinish: false).Transform(data);

        result.RelativeError.Should().BeLessThan(1e-5, "every row is exactly representable by the fitted components");
        Reference.RelativeError(data, lastSweep, result.H).Should().BeGreaterThan(1e-3,
            "without the finish the rows stop at the sweep limit far from their features (this is what is fixed)");
        result.Projector.ActiveSetFinish.Should().BeTrue();
    }

    [Fact]
    public void Digits_Rank60_EveryRowReachesItsMinimizer_AndConvergedRowsKeepTheirBits()
    {
        var x = TestData.Digits();
        int k = 60, n = x.Columns;
        var result = NmfEngine.Fit(x, new NmfFitOptions { Rank = k, MaxIterations = 100, DegreeOfParallelism = 2 });
        var h = result.H.Values.ToArray();
        var lastSweep = Projector(result.H, activeSetFinish: false).Transform(x);
        var oneMore = Projector(result.H, activeSetFinish: false, sweeps: Sweeps + 1).Transform(x);

        // Fit ≡ Transform, whatever the thread count.
        result.Projector.Transform(x, degreeOfParallelism: 1).Values.ToArray().Should().Equal(result.W.Values.ToArray());

        int finished = 0, farBefore = 0;
        for (int i = 0; i < x.Rows; i++)
        {
            var row = x.Row(i).ToArray().Select(v => (double)v).ToArray();
            double scale = row.Sum(v => v * v);
            double optimum = ReferenceNnls.SquaredError(h, k, n, row, ReferenceNnls.Solve(h, k, n, row));
            double ours = ReferenceNnls.SquaredError(h, k, n, row, Features(result.W, i));
            bool converged = Features(lastSweep, i).SequenceEqual(Features(oneMore, i));
            if (converged)
            {
                Features(result.W, i).Should().Equal(Features(lastSweep, i), "row {0} met the tolerance within the sweeps and keeps their bits", i);
                ours.Should().BeLessThanOrEqualTo(optimum + 1e-5 * scale, "row {0} met the sweeps' tolerance", i);
                continue;
            }
            ours.Should().BeLessThanOrEqualTo(optimum + 1e-9 * scale, "row {0} is finished at its minimizer", i);
            finished++;
            if (ReferenceNnls.SquaredError(h, k, n, row, Features(lastSweep, i)) > optimum + 1e-5 * scale)
                farBefore++;
        }
        finished.Should().BeGreaterThan(100, "k = 60 of 64 pixels leaves many rows still moving at the sweep limit");
        farBefore.Should().BeGreaterThan(0, "some of them were far from their minimizer after the sweeps alone");
    }

    [Fact]
    public void RowsWithMissingEntries_NearCollinearComponents_ReachTheirObservedMinimizer()
    {
        // The masked path (a row's own Gram matrix over its observed slots) takes the same finish.
        var digits = TestData.Digits(150);
        int k = 60, n = digits.Columns;
        var fit = NmfEngine.Fit(digits, new NmfFitOptions { Rank = k, MaxIterations = 60, DegreeOfParallelism = 2 });
        var h = fit.H.Values.ToArray();
        var random = new Random(9);
        var values = digits.Values.ToArray().Select(v => random.NextDouble() < 0.1 ? float.NaN : v).ToArray();
        var x = new DenseMatrix(digits.Rows, n, values, NmfMissingValues.Ignore);
        var finishing = Projector(fit.H, activeSetFinish: true, NmfMissingValues.Ignore).Transform(x);
        var lastSweep = Projector(fit.H, activeSetFinish: false, NmfMissingValues.Ignore).Transform(x);

        int far = 0;
        for (int i = 0; i < x.Rows; i++)
        {
            var row = values.AsSpan(i * n, n).ToArray().Select(v => float.IsNaN(v) ? 0 : (double)v).ToArray();
            var observed = values.AsSpan(i * n, n).ToArray().Select(v => !float.IsNaN(v)).ToArray();
            double scale = row.Sum(v => v * v);
            double optimum = ReferenceNnls.SquaredError(h, k, n, row, ReferenceNnls.Solve(h, k, n, row, observed), observed);
            ReferenceNnls.SquaredError(h, k, n, row, Features(finishing, i), observed).Should().BeLessThanOrEqualTo(optimum + 1e-5 * scale,
                "row {0} is projected to its minimizer over its observed slots", i);
            if (ReferenceNnls.SquaredError(h, k, n, row, Features(lastSweep, i), observed) > optimum + 1e-5 * scale)
                far++;
        }
        far.Should().BeGreaterThan(0, "without the finish some rows stop at the sweep limit far from their minimizer");
    }

    private static NmfProjector Projector(DenseMatrix h, bool activeSetFinish, NmfMissingValues missing = NmfMissingValues.Error, int sweeps = Sweeps) =>
        NmfEngine.CreateProjector(h, 2.0, new Penalty(0, 0), missing, Default, sweeps, NmfProjector.DefaultNewtonTolerance, activeSetFinish);

    private static double[] Features(DenseMatrix w, int row) => w.Row(row).ToArray().Select(v => (double)v).ToArray();
}
