using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Initialization;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Solvers;

namespace MLNet.Nmf.Tests.Engine;

public class InitializationTests
{
    private static (float[] W, float[] Ht) Start(INmfMatrix x, NmfInitialization init, int rank, int seed = 3) =>
        Initializer.Create(DataOperand.Create(x), new NmfFitOptions { Rank = rank }, init, new SeededRandom((ulong)seed), 2);

    public static IEnumerable<object[]> Inits() =>
        new[] { NmfInitialization.Random, NmfInitialization.Nndsvd, NmfInitialization.Nndsvda, NmfInitialization.Nndsvdar }.Select(i => new object[] { i });

    [Theory]
    [MemberData(nameof(Inits))]
    public void EveryInitialization_IsNonNegativeAndFinite(NmfInitialization init)
    {
        var x = TestData.TextTfidf(200);
        var (w, ht) = Start(x, init, 8);
        w.Should().OnlyContain(v => v >= 0 && float.IsFinite(v));
        ht.Should().OnlyContain(v => v >= 0 && float.IsFinite(v));
        w.Take(x.Rows * 8).Should().Contain(v => v > 0);
    }

    [Fact]
    public void Nndsvd_ErrorIsAtMostThatOfTheMean()
    {
        foreach (INmfMatrix x in new INmfMatrix[] { TestData.TextTfidf(200), TestData.Digits(300), TestData.Random(80, 50, 0.3, 4).Sparse })
        {
            var dense = x as DenseMatrix ?? ((CsrMatrix)x).ToDense();
            int k = 6;
            var (w, ht) = Start(x, NmfInitialization.Nndsvd, k);
            var wm = new DenseMatrix(dense.Rows, k, w.Take(dense.Rows * k).ToArray());
            var hm = new DenseMatrix(k, dense.Columns, Transpose(ht, dense.Columns, k));
            double mean = dense.Values.ToArray().Average(v => (double)v);
            double meanError = Math.Sqrt(dense.Values.ToArray().Sum(v => (v - mean) * (v - mean)) / TestData.SquaredNorm(dense));
            TestData.RelativeError(dense, wm, hm).Should().BeLessThanOrEqualTo(meanError);
        }
    }

    [Fact]
    public void NndsvdaAndNndsvdar_DifferFromNndsvd_OnlyWhereNndsvdHasZeros()
    {
        var x = TestData.TextTfidf(200);
        var (w0, h0) = Start(x, NmfInitialization.Nndsvd, 6);
        foreach (var variant in new[] { NmfInitialization.Nndsvda, NmfInitialization.Nndsvdar })
        {
            var (w1, h1) = Start(x, variant, 6);
            int filled = 0;
            foreach (var (a, b) in w0.Zip(w1).Concat(h0.Zip(h1)))
            {
                if (a != 0f)
                    b.Should().Be(a);
                else if (b != 0f)
                    filled++;
            }
            filled.Should().BeGreaterThan(0, $"{variant} fills NNDSVD's zeros");
        }
    }

    [Fact]
    public void SameSeed_GivesTheSameStart_OtherSeed_ADifferentOne()
    {
        var x = TestData.Digits(100);
        Start(x, NmfInitialization.Random, 4, seed: 9).W.Should().Equal(Start(x, NmfInitialization.Random, 4, seed: 9).W);
        Start(x, NmfInitialization.Random, 4, seed: 9).W.Should().NotEqual(Start(x, NmfInitialization.Random, 4, seed: 10).W);
    }

    private static float[] Transpose(float[] ht, int n, int k)
    {
        var h = new float[k * n];
        for (int j = 0; j < n; j++)
            for (int t = 0; t < k; t++)
                h[t * n + j] = ht[j * k + t];
        return h;
    }
}
