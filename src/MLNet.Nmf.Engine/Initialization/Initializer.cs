using MLNet.Nmf.Engine.Kernels;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Solvers;

namespace MLNet.Nmf.Engine.Initialization;

/// <summary>Produces the starting W (m x k) and Hᵀ (n x k) for a fit.</summary>
internal static class Initializer
{
    /// <summary>The initialisation <see cref="NmfInitialization.Auto"/> resolves to.</summary>
    public static NmfInitialization Resolve(NmfInitialization requested, int rank, int rows, int columns) =>
        requested != NmfInitialization.Auto ? requested
        : rank <= Math.Min(rows, columns) ? NmfInitialization.Nndsvda : NmfInitialization.Random;

    public static (float[] W, float[] Ht) Create(DataOperand x, NmfFitOptions options, NmfInitialization init, SeededRandom random, int degree)
    {
        int k = options.Rank;
        return init switch
        {
            NmfInitialization.Random => RandomStart(x, k, random),
            NmfInitialization.Custom => CustomStart(options, k),
            _ => NndsvdInitializer.Create(x, k, init, random, degree),
        };
    }

    /// <summary>scikit-learn's random start: |N(0, 1)| · sqrt(mean(X) / k), H drawn first, then W.</summary>
    private static (float[] W, float[] Ht) RandomStart(DataOperand x, int k, SeededRandom random)
    {
        int m = x.Rows, n = x.Columns;
        double scale = Math.Sqrt(x.Sum / ((double)m * n) / k);
        var ht = FactorLayout.Allocate(n, k);
        for (int t = 0; t < k; t++)
            for (int j = 0; j < n; j++)
                ht[j * k + t] = (float)Math.Abs(scale * random.NextGaussian());
        var w = FactorLayout.Allocate(m, k);
        for (int i = 0; i < m * k; i++)
            w[i] = (float)Math.Abs(scale * random.NextGaussian());
        return (w, ht);
    }

    private static (float[] W, float[] Ht) CustomStart(NmfFitOptions options, int k)
    {
        var w = FactorLayout.Allocate(options.InitialW!.Rows, k);
        options.InitialW.Values.CopyTo(w);
        var ht = FactorOps.TransposeToFactor(options.InitialH!.Values, k, options.InitialH.Columns);
        return (w, ht);
    }
}
