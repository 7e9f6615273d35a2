using MLNet.Nmf.Engine.Kernels;
using MLNet.Nmf.Engine.Losses;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Tests.Engine.Support;

namespace MLNet.Nmf.Tests.Engine.Losses;

/// <summary>The final evaluation of d_β(X, WH), which evaluates WH only at the stored entries where it can.</summary>
public class DivergenceTests
{
    public static IEnumerable<object[]> BetasByStorage() =>
        from beta in new[] { 2.0, 1.0, 1.5, 0.5, 3.0 } from storage in new[] { Storage.Dense, Storage.Sparse } select new object[] { beta, storage };

    [Theory]
    [MemberData(nameof(BetasByStorage))]
    public void Beta_EqualsTheDefinitionSummedOverEveryEntry(double beta, Storage storage)
    {
        var (dense, _) = TestData.Random(70, 30, 0.3, seed: 12);
        var (w, ht, wm, hm) = Factors(70, 30, 4);
        double actual = Divergence.Beta(DataOperand.Create(dense.In(storage)), w, ht, 4, beta, degree: 2);

        // For β < 1 the engine floors WH at ε before the power, as scikit-learn does; WH ≥ 0.1·0.1·4 here.
        double expected = Reference.Divergence(Reference.ToArray(dense), Reference.ToArray(wm), Reference.ToArray(hm), beta);
        actual.Should().BeApproximately(expected, 1e-6 * expected, "WH in float at ~1e-7 relative, sums in double");
    }

    [Theory]
    [InlineData(Storage.Dense)]
    [InlineData(Storage.Sparse)]
    public void SquaredError_IsTwiceTheFrobeniusDivergence(Storage storage)
    {
        var x = TestData.TextTfidf(60);
        var (w, ht, wm, hm) = Factors(x.Rows, x.Columns, 5, high: 0.1f);
        double actual = Divergence.SquaredError(DataOperand.Create(storage == Storage.Dense ? x.ToDense() : x), w, ht, 5, degree: 1);
        double expected = Reference.SquaredError(Reference.ToArray(x), Reference.ToArray(wm), Reference.ToArray(hm));
        // CSR: Σ over implicit zeros is "all minus stored", so WH is formed in double (1e-9). Dense: no
        // subtraction, WH at float precision (~1e-7 relative per entry) is enough (1e-6).
        actual.Should().BeApproximately(expected, (storage == Storage.Dense ? 1e-6 : 1e-9) * expected);
    }

    [Fact]
    public void SquaredError_OfExactFactors_OfSparseData_IsZero()
    {
        // X = WH exactly representable with zeros: the "all entries minus stored entries" part must cancel.
        var w = new DenseMatrix(3, 1, new[] { 1f, 0f, 2f });
        var h = new DenseMatrix(1, 4, new[] { 0.5f, 0f, 1f, 0.25f });
        var x = new DenseMatrix(3, 4, new[] { 0.5f, 0f, 1f, 0.25f, 0f, 0f, 0f, 0f, 1f, 0f, 2f, 0.5f });
        var wf = FactorLayout.Allocate(3, 1);
        w.Values.CopyTo(wf);
        var ht = FactorOps.TransposeToFactor(h.Values, 1, 4);
        Divergence.SquaredError(DataOperand.Create(x.ToCsr()), wf, ht, 1, 1).Should().Be(0);
        Divergence.Beta(DataOperand.Create(x.ToCsr()), wf, ht, 1, 1.0, 1).Should().BeApproximately(0, 1e-12);
    }

    private static (float[] W, float[] Ht, DenseMatrix Wm, DenseMatrix Hm) Factors(int m, int n, int k, float high = 1f)
    {
        var wm = TestData.Uniform(m, k, seed: 1, high: high);
        var hm = TestData.Uniform(k, n, seed: 2, high: high);
        var w = FactorLayout.Allocate(m, k);
        wm.Values.CopyTo(w);
        return (w, FactorOps.TransposeToFactor(hm.Values, k, n), wm, hm);
    }
}
