using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Tests.Engine.Support;

/// <summary>
/// Plain double-precision references written from the definitions (the objective in
/// <see cref="NmfFitOptions"/>' remarks, the update formulas of the papers), sharing no code with the
/// engine: the oracle the tests hold the float engine to. Matrices are row-major double[,]; sizes are small.
/// </summary>
internal static class Reference
{
    /// <summary>Float machine epsilon: the floor the MU and KL formulas put under WH (scikit-learn's EPSILON).</summary>
    public const double Epsilon = 1.1920929e-07;

    public static double[,] ToArray(INmfMatrix x)
    {
        var d = TestData.AsDense(x);
        var a = new double[d.Rows, d.Columns];
        for (int i = 0; i < d.Rows; i++)
            for (int j = 0; j < d.Columns; j++)
                a[i, j] = d[i, j];
        return a;
    }

    public static double[,] Multiply(double[,] a, double[,] b)
    {
        int m = a.GetLength(0), k = a.GetLength(1), n = b.GetLength(1);
        var c = new double[m, n];
        for (int i = 0; i < m; i++)
            for (int t = 0; t < k; t++)
            {
                double v = a[i, t];
                if (v == 0) continue;
                for (int j = 0; j < n; j++)
                    c[i, j] += v * b[t, j];
            }
        return c;
    }

    public static double[,] Transpose(double[,] a)
    {
        var t = new double[a.GetLength(1), a.GetLength(0)];
        for (int i = 0; i < a.GetLength(0); i++)
            for (int j = 0; j < a.GetLength(1); j++)
                t[j, i] = a[i, j];
        return t;
    }

    public static double SquaredNorm(double[,] a)
    {
        double s = 0;
        foreach (double v in a) s += v * v;
        return s;
    }

    /// <summary>‖X − WH‖²_F.</summary>
    public static double SquaredError(double[,] x, double[,] w, double[,] h)
    {
        var y = Multiply(w, h);
        double s = 0;
        for (int i = 0; i < x.GetLength(0); i++)
            for (int j = 0; j < x.GetLength(1); j++)
                s += (x[i, j] - y[i, j]) * (x[i, j] - y[i, j]);
        return s;
    }

    /// <summary>‖X − WH‖_F / ‖X‖_F.</summary>
    public static double RelativeError(INmfMatrix x, DenseMatrix w, DenseMatrix h)
    {
        var xa = ToArray(x);
        return Math.Sqrt(SquaredError(xa, ToArray(w), ToArray(h)) / SquaredNorm(xa));
    }

    /// <summary>The beta-divergence Σ d_β(x | y), y = WH: ½(x − y)² for β = 2, x log(x/y) − x + y for β = 1.</summary>
    public static double Divergence(double[,] x, double[,] w, double[,] h, double beta)
    {
        var y = Multiply(w, h);
        double s = 0;
        for (int i = 0; i < x.GetLength(0); i++)
            for (int j = 0; j < x.GetLength(1); j++)
                s += Pointwise(x[i, j], y[i, j], beta);
        return s;
    }

    public static double Pointwise(double x, double y, double beta) => beta switch
    {
        2 => 0.5 * (x - y) * (x - y),
        1 => x > 0 ? x * Math.Log(x / y) - x + y : y,
        0 => x / y - Math.Log(x / y) - 1,
        _ => (Math.Pow(x, beta) + (beta - 1) * Math.Pow(y, beta) - beta * x * Math.Pow(y, beta - 1)) / (beta * (beta - 1)),
    };

    /// <summary>The scaled penalty weights of <see cref="NmfFitOptions"/>' remarks: W's by n, H's by m.</summary>
    public static (double L1W, double L2W, double L1H, double L2H) Penalties(NmfFitOptions o, int m, int n)
    {
        double alphaH = o.AlphaH ?? o.AlphaW, rho = o.L1Ratio;
        return (o.AlphaW * rho * n, o.AlphaW * (1 - rho) * n, alphaH * rho * m, alphaH * (1 - rho) * m);
    }

    /// <summary>L1‖A‖₁ + ½ L2‖A‖²_F.</summary>
    public static double Penalty(double[,] a, double l1, double l2)
    {
        double sum = 0, squares = 0;
        foreach (double v in a)
        {
            sum += v;
            squares += v * v;
        }
        return l1 * sum + 0.5 * l2 * squares;
    }

    /// <summary>The whole objective: divergence plus the scaled penalties on W and H.</summary>
    public static double Objective(double[,] x, double[,] w, double[,] h, NmfFitOptions o)
    {
        var (l1w, l2w, l1h, l2h) = Penalties(o, x.GetLength(0), x.GetLength(1));
        return Divergence(x, w, h, o.EffectiveBeta) + Penalty(w, l1w, l2w) + Penalty(h, l1h, l2h);
    }

    /// <summary>
    /// One HALS update of W given H (Cichocki &amp; Phan 2009; scikit-learn's <c>_update_cdnmf_fast</c>): with
    /// G = HHᵀ + L2·I and P = XHᵀ, for each row and each t in order,
    /// w_t ← max(0, w_t − ((wG)_t + L1 − P_t) / G_tt).
    /// </summary>
    public static void HalsUpdate(double[,] w, double[,] x, double[,] h, double l1, double l2)
    {
        int m = w.GetLength(0), k = w.GetLength(1);
        var g = Multiply(h, Transpose(h));
        for (int t = 0; t < k; t++) g[t, t] += l2;
        var p = Multiply(x, Transpose(h));
        for (int i = 0; i < m; i++)
            for (int t = 0; t < k; t++)
            {
                double grad = l1 - p[i, t];
                for (int u = 0; u < k; u++) grad += w[i, u] * g[t, u];
                if (g[t, t] != 0)
                    w[i, t] = Math.Max(0, w[i, t] - grad / g[t, t]);
            }
    }

    /// <summary>One HALS iteration: W given H, then H given the new W (through Xᵀ ≈ HᵀWᵀ).</summary>
    public static void HalsIteration(double[,] x, ref double[,] w, ref double[,] h, NmfFitOptions o)
    {
        var (l1w, l2w, l1h, l2h) = Penalties(o, x.GetLength(0), x.GetLength(1));
        HalsUpdate(w, x, h, l1w, l2w);
        var ht = Transpose(h);
        HalsUpdate(ht, Transpose(x), Transpose(w), l1h, l2h);
        h = Transpose(ht);
    }

    /// <summary>
    /// One multiplicative update of W given H (Lee &amp; Seung 2001; Févotte &amp; Idier 2011), β ∈ {1, 2}:
    /// β = 2: W ← W ∘ XHᵀ / (WHHᵀ + L1 + L2·W); β = 1: W ← W ∘ (X / WH)Hᵀ / (1Hᵀ + L1 + L2·W), WH floored at ε.
    /// </summary>
    public static void MultiplicativeUpdate(double[,] w, double[,] x, double[,] h, double beta, double l1, double l2)
    {
        int m = w.GetLength(0), k = w.GetLength(1), n = x.GetLength(1);
        double[,] numerator, denominator;
        if (beta == 2)
        {
            numerator = Multiply(x, Transpose(h));
            denominator = Multiply(w, Multiply(h, Transpose(h)));
        }
        else
        {
            var y = Multiply(w, h);
            var ratio = new double[m, n];
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                    ratio[i, j] = x[i, j] / Math.Max(y[i, j], Epsilon);
            numerator = Multiply(ratio, Transpose(h));
            denominator = new double[m, k];
            for (int t = 0; t < k; t++)
            {
                double rowSum = 0;
                for (int j = 0; j < n; j++) rowSum += h[t, j];
                for (int i = 0; i < m; i++) denominator[i, t] = rowSum;
            }
        }
        for (int i = 0; i < m; i++)
            for (int t = 0; t < k; t++)
            {
                double d = denominator[i, t] + l1 + l2 * w[i, t];
                w[i, t] *= numerator[i, t] / (d == 0 ? Epsilon : d);
            }
    }

    /// <summary>One MU iteration: W given H, then H given the new W.</summary>
    public static void MultiplicativeIteration(double[,] x, ref double[,] w, ref double[,] h, NmfFitOptions o)
    {
        var (l1w, l2w, l1h, l2h) = Penalties(o, x.GetLength(0), x.GetLength(1));
        MultiplicativeUpdate(w, x, h, o.EffectiveBeta, l1w, l2w);
        var ht = Transpose(h);
        MultiplicativeUpdate(ht, Transpose(x), Transpose(w), o.EffectiveBeta, l1h, l2h);
        h = Transpose(ht);
    }

    /// <summary>
    /// The gradient of d_β(x, aH) + L1‖a‖₁ + ½L2‖a‖² with respect to one row a (β ∈ {1, 2}), projected for
    /// a ≥ 0: components where a = 0 keep only their negative part. Zero exactly at the row's optimum.
    /// </summary>
    public static double[] ProjectedGradient(double[] x, double[] a, double[,] h, double beta, double l1, double l2)
    {
        int k = a.Length, n = x.Length;
        var g = new double[k];
        for (int j = 0; j < n; j++)
        {
            double y = 0;
            for (int t = 0; t < k; t++) y += a[t] * h[t, j];
            // d/dy of ½(x − y)² is y − x; of x log(x / y) − x + y it is 1 − x / y.
            double dy = beta == 2 ? y - x[j] : 1 - (x[j] > 0 ? x[j] / Math.Max(y, Epsilon) : 0);
            for (int t = 0; t < k; t++) g[t] += dy * h[t, j];
        }
        for (int t = 0; t < k; t++)
        {
            g[t] += l1 + l2 * a[t];
            if (a[t] == 0) g[t] = Math.Min(g[t], 0);
        }
        return g;
    }

    public static double Norm(IEnumerable<double> v) => Math.Sqrt(v.Sum(e => e * e));
}
