using MLNet.Nmf.Engine;
using MLNet.Nmf.Tests.Engine.Support;

namespace MLNet.Nmf.Tests.Engine.Solvers;

/// <summary>Every solver with every initialisation, on dense and on CSR input (scikit-learn's <c>test_nmf_sparse_input</c>).</summary>
public class EverySolverAndInitializationTests
{
    private const int Rows = 60, Columns = 40, Rank = 4, Iterations = 30;

    // The dense and CSR paths add the same products in different orders (tiles of 4 x 3 dot products
    // against one FMA chain per stored value), and the dense path also multiplies the explicit zeros.
    // The rounding differences (~1e-7 relative per product) are carried through 30 iterations of a
    // non-convex problem; measured differences are ~1e-6 and below, so 1e-4 leaves margin while any real
    // divergence of the two paths (a dropped entry, a wrong index) shows up as 1e-2 or more.
    private const double DenseSparseTolerance = 1e-4;

    [Theory]
    [MemberData(nameof(SolverCases.SolverByInitByStorage), MemberType = typeof(SolverCases))]
    public void Fit_EverySolverInitAndStorage_GivesNonNegativeFiniteFactors(NmfSolver solver, NmfLoss loss, NmfInitialization init, Storage storage)
    {
        var (dense, _) = TestData.Random(Rows, Columns, 0.3, seed: 11);
        var result = NmfEngine.Fit(dense.In(storage), SolverCases.Options(solver, loss, init, Rank, Rows, Columns, Iterations));

        FactorAssertions.ShouldBeNonNegativeAndFinite(result.W, "W");
        FactorAssertions.ShouldBeNonNegativeAndFinite(result.H, "H");
        (result.W.Rows, result.W.Columns, result.H.Rows, result.H.Columns).Should().Be((Rows, Rank, Rank, Columns));
        result.Iterations.Should().Be(Iterations, "Tolerance = 0 runs every iteration");
        result.LossHistory.Should().HaveCount(Iterations + 1);
        result.RelativeError.Should().BeInRange(0, 1, "any fit that moved from its start beats W = 0 on this data");
    }

    [Theory]
    [MemberData(nameof(SolverCases.SolverByInit), MemberType = typeof(SolverCases))]
    public void Fit_DenseAndCsrInputOfTheSameData_GiveTheSameFactors(NmfSolver solver, NmfLoss loss, NmfInitialization init)
    {
        var (dense, sparse) = TestData.Random(Rows, Columns, 0.3, seed: 11);
        var options = SolverCases.Options(solver, loss, init, Rank, Rows, Columns, Iterations);

        var fromDense = NmfEngine.Fit(dense, options);
        var fromSparse = NmfEngine.Fit(sparse, options);

        FactorAssertions.RelativeDifference(fromSparse.H, fromDense.H).Should().BeLessThan(DenseSparseTolerance, "H");
        FactorAssertions.RelativeDifference(fromSparse.W, fromDense.W).Should().BeLessThan(DenseSparseTolerance, "W");
        fromSparse.LossHistory[^1].Should().BeApproximately(fromDense.LossHistory[^1], DenseSparseTolerance * fromDense.LossHistory[^1]);
        fromSparse.RelativeError.Should().BeApproximately(fromDense.RelativeError, DenseSparseTolerance);
    }

    [Theory]
    [MemberData(nameof(SolverCases.Solvers), MemberType = typeof(SolverCases))]
    public void Fit_RealText_DenseAndCsrInput_GiveTheSameFactors(NmfSolver solver, NmfLoss loss)
    {
        var sparse = TestData.TextTfidf(120);
        var dense = sparse.ToDense();
        var options = new NmfFitOptions { Solver = solver, Loss = loss, Rank = 5, MaxIterations = 20, Tolerance = 0 };

        var fromDense = NmfEngine.Fit(dense, options);
        var fromSparse = NmfEngine.Fit(sparse, options);

        FactorAssertions.ShouldBeNonNegativeAndFinite(fromSparse.H, "H of the text");
        FactorAssertions.RelativeDifference(fromSparse.H, fromDense.H).Should().BeLessThan(DenseSparseTolerance);
        FactorAssertions.RelativeDifference(fromSparse.W, fromDense.W).Should().BeLessThan(DenseSparseTolerance);
        fromSparse.RelativeError.Should().BeLessThan(1).And.BeApproximately(fromDense.RelativeError, DenseSparseTolerance);
    }
}
