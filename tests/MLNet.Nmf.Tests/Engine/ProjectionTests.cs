using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Tests.Engine;

public class ProjectionTests
{
    [Theory]
    [MemberData(nameof(SolverCases.Solvers), MemberType = typeof(SolverCases))]
    public void Projection_OfTrainingRows_EqualsFitTimeFeatures(NmfSolver solver, NmfLoss loss)
    {
        var x = TestData.TextTfidf(150);
        var result = NmfEngine.Fit(x, new NmfFitOptions { Solver = solver, Loss = loss, Rank = 6, MaxIterations = 50, AlphaW = 0.001, L1Ratio = 0.3 });

        SolverTests.RelativeDifference(result.Projector.Transform(x), result.W).Should().BeLessThan(1e-5);

        var workspace = result.Projector.CreateWorkspace();
        var dense = x.ToDense();
        var features = new float[6];
        for (int i = 0; i < x.Rows; i++)
        {
            result.Projector.Project(x.RowIndices(i), x.RowValues(i), features, workspace);
            AssertRowClose(features, result.W.Row(i), $"sparse row {i}");
            result.Projector.Project(dense.Row(i), features, workspace);
            AssertRowClose(features, result.W.Row(i), $"dense row {i}");
        }
    }

    [Fact]
    public void Projection_OfNewRows_MinimizesTheObjective_BetterThanPerturbations()
    {
        var x = TestData.Digits(300);
        var result = NmfEngine.Fit(x, new NmfFitOptions { Rank = 8, MaxIterations = 100 });
        var workspace = result.Projector.CreateWorkspace();
        var w = new float[8];
        var random = new Random(1);
        for (int i = 250; i < 300; i++)
        {
            result.Projector.Project(x.Row(i), w, workspace);
            double best = Residual(x.Row(i), w, result.H);
            for (int trial = 0; trial < 5; trial++)
            {
                var perturbed = w.Select(v => MathF.Max(0, v + (float)(random.NextDouble() - 0.5) * 0.05f)).ToArray();
                Residual(x.Row(i), perturbed, result.H).Should().BeGreaterThanOrEqualTo(best * (1 - 1e-6));
            }
        }
    }

    [Fact]
    public void Projector_FromSavedComponents_ProjectsLikeTheFit()
    {
        var x = TestData.TextTfidf(100);
        var result = NmfEngine.Fit(x, new NmfFitOptions { Rank = 5, MaxIterations = 40 });
        var projector = NmfEngine.CreateProjector(result.H, 2.0, result.Projector.Penalty);
        projector.Transform(x).Values.ToArray().Should().Equal(result.W.Values.ToArray());
    }

    private static void AssertRowClose(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, string because)
    {
        double diff = 0, norm = 0;
        for (int t = 0; t < expected.Length; t++)
        {
            diff += Math.Abs(actual[t] - expected[t]);
            norm += Math.Abs(expected[t]);
        }
        diff.Should().BeLessThanOrEqualTo(1e-5 * Math.Max(norm, 1e-12), because);
    }

    private static double Residual(ReadOnlySpan<float> x, float[] w, DenseMatrix h)
    {
        double s = 0;
        for (int j = 0; j < x.Length; j++)
        {
            double y = 0;
            for (int t = 0; t < w.Length; t++) y += w[t] * h[t, j];
            s += (x[j] - y) * (x[j] - y);
        }
        return s;
    }
}
