using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Initialization;
using MLNet.Nmf.Engine.Kernels;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Solvers;

namespace MLNet.Nmf.Tests.Engine.Initialization;

/// <summary>The starting W0 (m x k) and H0 (k x n) the engine's initializer produces, unpadded.</summary>
internal sealed record InitialFactors(DenseMatrix W, DenseMatrix H, float[] PaddedW, float[] PaddedHt)
{
    public static InitialFactors Create(INmfMatrix x, NmfInitialization init, int rank, int seed = 3, int degree = 2, NmfFitOptions? options = null)
    {
        var (w, ht) = Initializer.Create(DataOperand.Create(x), (options ?? new NmfFitOptions()) with { Rank = rank }, init, new SeededRandom((ulong)seed), degree);
        int m = x.Rows, n = x.Columns;
        w.Length.Should().Be(m * rank + FactorLayout.Padding, "W0 is a padded m x k factor");
        ht.Length.Should().Be(n * rank + FactorLayout.Padding, "H0ᵀ is a padded n x k factor");
        var h = new float[rank * n];
        for (int j = 0; j < n; j++)
            for (int t = 0; t < rank; t++)
                h[t * n + j] = ht[j * rank + t];
        // Built without validation so that a negative or NaN start reaches the tests' own checks.
        return new InitialFactors(new DenseMatrix(m, rank, w.AsSpan(0, m * rank).ToArray(), validate: false), new DenseMatrix(rank, n, h, validate: false), w, ht);
    }
}
