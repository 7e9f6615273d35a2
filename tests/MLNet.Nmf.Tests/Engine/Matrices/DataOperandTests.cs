using MLNet.Nmf.Engine.Kernels;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Tests.Engine.Support;

namespace MLNet.Nmf.Tests.Engine.Matrices;

/// <summary>The data as the solvers see it: products with a factor, statistics, the transpose.</summary>
public class DataOperandTests
{
    public static IEnumerable<object[]> Shapes() =>
        from shape in new[] { (5, 3, 2), (300, 40, 7), (700, 30, 12) } // 700 x 30 dense: several 544-row blocks
        from storage in new[] { Storage.Dense, Storage.Sparse }
        select new object[] { shape.Item1, shape.Item2, shape.Item3, storage };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Multiply_AndTransposedMultiply_EqualTheDoublePrecisionProducts(int rows, int columns, int k, Storage storage)
    {
        var (dense, _) = TestData.Random(rows, columns, 0.3, seed: rows);
        var operand = DataOperand.Create(dense.In(storage));
        var xa = Reference.ToArray(dense);
        var b = RandomFactor(columns, k, seed: 1);
        var c = RandomFactor(rows, k, seed: 2);

        var product = new float[rows * k];
        operand.Multiply(b, k, product, degree: 3);
        ShouldEqualProduct(product, xa, b, k, "X·B");

        var transposedProduct = new float[columns * k];
        operand.Transposed.Multiply(c, k, transposedProduct, degree: 3);
        ShouldEqualProduct(transposedProduct, Reference.Transpose(xa), c, k, "Xᵀ·C");
    }

    [Fact]
    public void Multiply_DenseWithAnotherRank_AfterALargerOne_IsStillRight()
    {
        // The dense operand caches a transposed copy of B between calls; a smaller rank must not see stale values.
        var (dense, _) = TestData.Random(50, 20, 0.5, seed: 6);
        var operand = DataOperand.Create(dense);
        var xa = Reference.ToArray(dense);
        foreach (int k in new[] { 9, 3, 9, 1 })
        {
            var b = RandomFactor(20, k, seed: k);
            var product = new float[50 * k];
            operand.Multiply(b, k, product, degree: 1);
            ShouldEqualProduct(product, xa, b, k, $"rank {k}");
        }
    }

    [Theory]
    [InlineData(21, 5000, 20)] // rows longer than 4096: the products run in 8-row blocks, the sums in 4-row ones
    [InlineData(13, 4500, 5)]
    public void Multiply_DenseLongRows_IsEachRowsFmaChainExactly(int rows, int columns, int k)
    {
        // However the rows are blocked for the product, a row's product is the FMA chain over its columns in order.
        var (dense, _) = TestData.Random(rows, columns, 0.9, seed: columns);
        var operand = DataOperand.Create(dense);
        var b = RandomFactor(columns, k, seed: 3);
        var product = new float[rows * k];
        operand.Multiply(b, k, product, degree: 2);
        var all = Enumerable.Range(0, columns).ToArray();
        var expected = new float[rows * k];
        for (int i = 0; i < rows; i++)
            ScalarKernels.SparseRowTimesFactor(all, dense.Row(i).ToArray(), b, k, expected.AsSpan(i * k, k));
        product.Should().Equal(expected);
    }

    [Theory]
    [InlineData(Storage.Dense)]
    [InlineData(Storage.Sparse)]
    public void Statistics_AreThoseOfTheData(Storage storage)
    {
        var (dense, _) = TestData.Random(40, 25, 0.3, seed: 7);
        var operand = DataOperand.Create(dense.In(storage));
        var values = dense.Values.ToArray().Select(v => (double)v).ToArray();
        operand.Sum.Should().BeApproximately(values.Sum(), 1e-9 * values.Sum());
        operand.SquaredNorm.Should().BeApproximately(values.Sum(v => v * v), 1e-9 * values.Sum(v => v * v));
        operand.MinValue.Should().Be(0f, "the data has zeros, implicit or explicit");
        operand.HasImplicitZeros.Should().Be(storage == Storage.Sparse);
        operand.StoredCount.Should().Be(storage == Storage.Dense ? 1000 : dense.ToCsr().NonZeroCount);
    }

    [Fact]
    public void MinValue_OfStrictlyPositiveData_IsTheSmallestValue()
    {
        var x = new DenseMatrix(2, 2, new[] { 0.5f, 0.25f, 3f, 1f });
        DataOperand.Create(x).MinValue.Should().Be(0.25f);
        DataOperand.Create(x.ToCsr()).MinValue.Should().Be(0.25f, "a CSR matrix storing every entry has no implicit zero");
    }

    private static float[] RandomFactor(int rows, int k, int seed)
    {
        var random = new Random(seed);
        var f = FactorLayout.Allocate(rows, k);
        for (int i = 0; i < rows * k; i++) f[i] = (float)random.NextDouble();
        return f;
    }

    private static void ShouldEqualProduct(float[] actual, double[,] x, float[] b, int k, string because)
    {
        int m = x.GetLength(0), n = x.GetLength(1);
        for (int i = 0; i < m; i++)
            for (int t = 0; t < k; t++)
            {
                double exact = 0;
                for (int j = 0; j < n; j++) exact += x[i, j] * b[j * k + t];
                // Non-negative terms: float accumulation of n products is within (n + 1)·u relative.
                Math.Abs(actual[i * k + t] - exact).Should().BeLessThanOrEqualTo((n + 1) / (double)(1 << 24) * exact + 1e-30, $"{because} at ({i}, {t})");
            }
    }
}
