using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Tests.Engine.Support;

namespace MLNet.Nmf.Tests.Engine.Solvers;

/// <summary>
/// From the same custom start, the float engine follows the plain double-precision algorithms of
/// <see cref="Reference"/> (written from the papers' update formulas) iteration for iteration.
/// HALS is checked with 1 sweep per update (scikit-learn's <c>cd</c>) and 2 (accelerated HALS reusing the
/// products); from 3 sweeps on, the engine may stop a block of rows early once its sweeps barely move it,
/// which a plain reference does not model.
/// </summary>
public class ReferenceAgreementTests
{
    private const int Iterations = 10, Rank = 4;

    // Float products round at ~1e-7 relative; ten iterations of a well-conditioned NMF carry that to
    // ~1e-6 (measured). 1e-4 is a loose float bound; a wrong formula (a missing penalty term, a stale
    // factor, a transposed product) moves the factors by 1e-2 or more within ten iterations.
    private const double Tolerance = 1e-4;

    public static IEnumerable<object[]> Cases() =>
        from solver in new[] { (NmfSolver.CoordinateDescent, NmfLoss.Frobenius, 1), (NmfSolver.CoordinateDescent, NmfLoss.Frobenius, 2),
                               (NmfSolver.MultiplicativeUpdate, NmfLoss.Frobenius, 1), (NmfSolver.MultiplicativeUpdate, NmfLoss.KullbackLeibler, 1) }
        from storage in new[] { Storage.Dense, Storage.Sparse }
        from penalty in new[] { false, true }
        select new object[] { solver.Item1, solver.Item2, solver.Item3, storage, penalty };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fit_FollowsTheDoublePrecisionReference_IterationForIteration(NmfSolver solver, NmfLoss loss, int sweeps, Storage storage, bool penalty)
    {
        var x = TestData.TextTfidf(60);
        var options = new NmfFitOptions
        {
            Solver = solver, Loss = loss, Rank = Rank, MaxIterations = Iterations, Tolerance = 0, InnerIterations = sweeps,
            AlphaW = penalty ? (loss == NmfLoss.Frobenius ? 0.0002 : 0.01) : 0, AlphaH = penalty ? (loss == NmfLoss.Frobenius ? 0.001 : 0.05) : null, L1Ratio = 0.3,
            Initialization = NmfInitialization.Custom, InitialW = TestData.Uniform(x.Rows, Rank, seed: 5), InitialH = TestData.Uniform(Rank, x.Columns, seed: 6, high: 0.3f),
        };
        var result = NmfEngine.Fit(storage == Storage.Dense ? x.ToDense() : x, options);

        var xa = Reference.ToArray(x);
        var w = Reference.ToArray(options.InitialW!);
        var h = Reference.ToArray(options.InitialH!);
        var objectives = new List<double> { Reference.Objective(xa, w, h, options) };
        var (l1w, l2w, l1h, l2h) = Reference.Penalties(options, x.Rows, x.Columns);
        for (int i = 0; i < Iterations; i++)
        {
            if (solver == NmfSolver.CoordinateDescent)
            {
                // Every sweep of W reuses XHᵀ and HHᵀ, then every sweep of H reuses XᵀW and WᵀW.
                for (int s = 0; s < sweeps; s++) Reference.HalsUpdate(w, xa, h, l1w, l2w);
                var ht = Reference.Transpose(h);
                for (int s = 0; s < sweeps; s++) Reference.HalsUpdate(ht, Reference.Transpose(xa), Reference.Transpose(w), l1h, l2h);
                h = Reference.Transpose(ht);
            }
            else
            {
                Reference.MultiplicativeIteration(xa, ref w, ref h, options);
            }
            objectives.Add(Reference.Objective(xa, w, h, options));
        }

        FactorAssertions.RelativeDifference(result.H, h).Should().BeLessThan(Tolerance, "H after ten iterations");
        result.LossHistory.Should().HaveCount(Iterations + 1);
        for (int i = 0; i <= Iterations; i++)
            result.LossHistory[i].Should().BeApproximately(objectives[i], Tolerance * objectives[i], $"the objective after {i} iterations");
    }

    [Fact]
    public void CoordinateDescentKL_ConvergesToAStationaryPointOfTheKlObjective()
    {
        // No step-for-step reference for the Newton sweeps; instead the first-order optimality conditions:
        // at a stationary point the projected gradient of the objective in H (given W) vanishes.
        var x = TestData.Digits(80);
        var options = new NmfFitOptions
        {
            Solver = NmfSolver.CoordinateDescentKL, Loss = NmfLoss.KullbackLeibler, Rank = 4, MaxIterations = 300, Tolerance = 0,
            Initialization = NmfInitialization.Custom, InitialW = TestData.Uniform(80, 4, seed: 1), InitialH = TestData.Uniform(4, 64, seed: 2),
        };
        var result = NmfEngine.Fit(x, options);

        var xt = Reference.Transpose(Reference.ToArray(x));
        var wt = Reference.Transpose(Reference.ToArray(result.W));
        double GradientNorm(DenseMatrix hm)
        {
            double s = 0;
            for (int j = 0; j < hm.Columns; j++)
            {
                var column = Enumerable.Range(0, hm.Rows).Select(t => (double)hm[t, j]).ToArray();
                var row = Enumerable.Range(0, xt.GetLength(1)).Select(i => xt[j, i]).ToArray();
                s += Math.Pow(Reference.Norm(Reference.ProjectedGradient(row, column, wt, 1, 0, 0)), 2);
            }
            return Math.Sqrt(s);
        }

        GradientNorm(result.H).Should().BeLessThan(1e-3 * GradientNorm(options.InitialH!));
    }
}
