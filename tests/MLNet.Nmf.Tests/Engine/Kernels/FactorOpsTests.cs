using MLNet.Nmf.Engine.Kernels;
using MLNet.Nmf.Tests.Engine.Support;

namespace MLNet.Nmf.Tests.Engine.Kernels;

/// <summary>Whole-factor operations: Gram matrices over several blocks, transposes, sums.</summary>
public class FactorOpsTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 3)]
    [InlineData(1024, 8)]
    [InlineData(2500, 5)]   // three 1024-row blocks, the last one short
    [InlineData(300, 13)]
    public void Gram_EqualsTheDoublePrecisionProduct_ForAnyThreadCount(int rows, int k)
    {
        var random = new Random(rows + k);
        var a = FactorLayout.Allocate(rows, k);
        for (int i = 0; i < rows * k; i++) a[i] = (float)random.NextDouble();
        var one = FactorOps.Gram(a, rows, k, degree: 1);
        var three = FactorOps.Gram(a, rows, k, degree: 3);
        three.Should().Equal(one, "blocks are added in block order whatever the threads");
        for (int s = 0; s < k; s++)
            for (int t = 0; t < k; t++)
            {
                double exact = 0;
                for (int i = 0; i < rows; i++) exact += (double)a[i * k + s] * a[i * k + t];
                // Float accumulation within a 1024-row block: at most 1024·u relative (entries are ≥ 0).
                one[s * k + t].Should().BeApproximately(exact, 1025.0 / (1 << 24) * exact + 1e-30);
                one[s * k + t].Should().Be(one[t * k + s], "a Gram matrix is symmetric");
            }
    }

    [Fact]
    public void TransposeToFactor_ThenBack_RoundTrips_AndPads()
    {
        var h = TestData.Uniform(4, 9, seed: 1);
        var ht = FactorOps.TransposeToFactor(h.Values, 4, 9);
        ht.Length.Should().Be(9 * 4 + FactorLayout.Padding);
        ht[2 * 4 + 3].Should().Be(h[3, 2]);
        FactorOps.TransposeFromFactor(ht, 9, 4).Should().Equal(h.Values.ToArray());
    }

    [Fact]
    public void ColumnSums_AndToFloat_DoWhatTheySay()
    {
        var a = new float[] { 1, 2, 3, 4, 5, 6 }; // 3 x 2
        FactorOps.ColumnSums(a, 3, 2).Should().Equal(9.0, 12.0);
        var g = FactorOps.ToFloat(new double[] { 1, 2, 2, 5 }, 2, diagonal: 0.5);
        g.Should().HaveCount(4 + FactorLayout.Padding);
        g.Take(4).Should().Equal(1.5f, 2f, 2f, 5.5f);
    }
}
