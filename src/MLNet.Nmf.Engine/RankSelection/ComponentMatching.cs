using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Engine.RankSelection;

/// <summary>How alike the components of several fits are: cosine similarity of components matched one to one.</summary>
internal static class ComponentMatching
{
    /// <summary>Mean over all pairs of fits of <see cref="Similarity"/>; NaN for fewer than two fits.</summary>
    public static double MeanStability(IReadOnlyList<DenseMatrix> fits)
    {
        if (fits.Count < 2)
            return double.NaN;
        double sum = 0;
        int pairs = 0;
        for (int a = 0; a < fits.Count; a++)
            for (int b = a + 1; b < fits.Count; b++)
            {
                sum += Similarity(fits[a], fits[b]);
                pairs++;
            }
        return sum / pairs;
    }

    /// <summary>
    /// Mean cosine similarity of the components of <paramref name="a"/> and <paramref name="b"/> (k x n each) after
    /// matching them greedily, most similar pair first. A zero component has similarity 0 with everything.
    /// </summary>
    public static double Similarity(DenseMatrix a, DenseMatrix b)
    {
        int k = a.Rows;
        var pairs = new List<(double Cosine, int A, int B)>(k * k);
        for (int s = 0; s < k; s++)
            for (int t = 0; t < k; t++)
                pairs.Add((Cosine(a.Row(s), b.Row(t)), s, t));
        pairs.Sort((p, q) => q.Cosine.CompareTo(p.Cosine) is var c && c != 0 ? c : (p.A * k + p.B).CompareTo(q.A * k + q.B));
        var usedA = new bool[k];
        var usedB = new bool[k];
        double total = 0;
        foreach (var (cosine, s, t) in pairs)
        {
            if (usedA[s] || usedB[t])
                continue;
            usedA[s] = usedB[t] = true;
            total += cosine;
        }
        return total / k;
    }

    private static double Cosine(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        double dot = 0, xx = 0, yy = 0;
        for (int j = 0; j < x.Length; j++)
        {
            dot += (double)x[j] * y[j];
            xx += (double)x[j] * x[j];
            yy += (double)y[j] * y[j];
        }
        return xx > 0 && yy > 0 ? dot / Math.Sqrt(xx * yy) : 0;
    }
}
