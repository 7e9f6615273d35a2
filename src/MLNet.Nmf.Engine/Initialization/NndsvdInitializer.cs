using MLNet.Nmf.Engine.Kernels;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Solvers;

namespace MLNet.Nmf.Engine.Initialization;

/// <summary>
/// NNDSVD (Boutsidis &amp; Gallopoulos 2008, "SVD based initialization: a head start for non-negative
/// matrix factorization"): each singular pair (u, v) is split into its positive and negative parts and
/// the part with the larger norm product seeds one component. Values below 1e-6 become zero; NNDSVDa
/// fills those zeros with mean(X), NNDSVDar with mean(X)·|N(0,1)|/100. Follows scikit-learn's
/// <c>_initialize_nmf</c>.
/// </summary>
internal static class NndsvdInitializer
{
    private const float ZeroBelow = 1e-6f;

    public static (float[] W, float[] Ht) Create(DataOperand x, int k, NmfInitialization variant, SeededRandom random, int degree)
    {
        int m = x.Rows, n = x.Columns;
        var (u, s, v) = RandomizedSvd.Compute(x, k, random, degree);
        // W and Hᵀ overwrite U and V in place: column c of each is computed from column c alone, after
        // that column's norms are taken.
        var w = u;
        var ht = v;
        for (int c = 0; c < k; c++)
        {
            var (uPos, uNeg) = Norms(u, m, k, c);
            var (vPos, vNeg) = Norms(v, n, k, c);
            bool positive = c == 0 || uPos * vPos > uNeg * vNeg;
            double sigma = c == 0 ? 1 : positive ? uPos * vPos : uNeg * vNeg;
            double uNorm = c == 0 ? 1 : positive ? uPos : uNeg, vNorm = c == 0 ? 1 : positive ? vPos : vNeg;
            double lambda = Math.Sqrt(s[c] * sigma);
            Fill(w, u, m, k, c, c == 0, positive, uNorm == 0 ? 0 : lambda / uNorm);
            Fill(ht, v, n, k, c, c == 0, positive, vNorm == 0 ? 0 : lambda / vNorm);
        }
        if (variant != NmfInitialization.Nndsvd)
        {
            float mean = (float)(x.Sum / ((double)m * n));
            FillZeros(w, m * k, mean, variant, random);
            FillZeros(ht, n * k, mean, variant, random);
        }
        return (w, ht);
    }

    private static (double Positive, double Negative) Norms(float[] a, int rows, int k, int c)
    {
        double pos = 0, neg = 0;
        for (int i = 0; i < rows; i++)
        {
            double value = a[i * k + c];
            if (value > 0) pos += value * value; else neg += value * value;
        }
        return (Math.Sqrt(pos), Math.Sqrt(neg));
    }

    /// <summary>Column c of the factor: scale · (|a| for the first pair, else the chosen sign's part of a).</summary>
    private static void Fill(float[] factor, float[] a, int rows, int k, int c, bool absolute, bool positive, double scale)
    {
        for (int i = 0; i < rows; i++)
        {
            float value = a[i * k + c];
            float part = absolute ? MathF.Abs(value) : positive ? MathF.Max(value, 0) : MathF.Max(-value, 0);
            float result = (float)(scale * part);
            factor[i * k + c] = result < ZeroBelow ? 0f : result;
        }
    }

    private static void FillZeros(float[] factor, int count, float mean, NmfInitialization variant, SeededRandom random)
    {
        for (int i = 0; i < count; i++)
        {
            if (factor[i] != 0f)
                continue;
            factor[i] = variant == NmfInitialization.Nndsvda ? mean : (float)Math.Abs(mean * random.NextGaussian() / 100);
        }
    }
}
