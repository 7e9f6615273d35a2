namespace MLNet.Nmf.Tests.Engine.Support;

/// <summary>
/// A slow, plainly correct non-negative least squares for one row, independent of the engine: Lawson–Hanson's
/// active-set method in double, from 0, each passive set solved by Gaussian elimination with partial pivoting.
/// </summary>
internal static class ReferenceNnls
{
    /// <summary>min_{w ≥ 0} ‖x − wH‖² over the columns where <paramref name="observed"/> is true (all when null).</summary>
    public static double[] Solve(float[] h, int k, int n, double[] x, bool[]? observed = null)
    {
        var g = new double[k * k];
        var b = new double[k];
        for (int j = 0; j < n; j++)
        {
            if (observed is not null && !observed[j]) continue;
            for (int s = 0; s < k; s++)
            {
                b[s] += h[s * n + j] * x[j];
                for (int t = 0; t < k; t++)
                    g[s * k + t] += (double)h[s * n + j] * h[t * n + j];
            }
        }
        var w = new double[k];
        var passive = new bool[k];
        double tolerance = 1e-12 * b.Select(Math.Abs).DefaultIfEmpty().Max();
        for (int outer = 0; outer < 10 * k; outer++)
        {
            int best = -1;
            double largest = tolerance;
            for (int t = 0; t < k; t++)
            {
                if (passive[t]) continue;
                double gradient = b[t];
                for (int u = 0; u < k; u++) gradient -= g[t * k + u] * w[u];
                if (gradient > largest) { largest = gradient; best = t; }
            }
            if (best < 0) break;
            passive[best] = true;
            while (true)
            {
                var z = SolvePassive(g, b, passive, k);
                if (Enumerable.Range(0, k).All(t => !passive[t] || z[t] > 0)) { w = z; break; }
                double alpha = Enumerable.Range(0, k).Where(t => passive[t] && z[t] <= 0).Min(t => w[t] / (w[t] - z[t]));
                for (int t = 0; t < k; t++)
                {
                    if (!passive[t]) continue;
                    w[t] += alpha * (z[t] - w[t]);
                    if (w[t] <= 1e-15) { w[t] = 0; passive[t] = false; }
                }
            }
        }
        return w;
    }

    /// <summary>‖x − wH‖² over the observed columns, in double.</summary>
    public static double SquaredError(float[] h, int k, int n, double[] x, IReadOnlyList<double> w, bool[]? observed = null)
    {
        double sum = 0;
        for (int j = 0; j < n; j++)
        {
            if (observed is not null && !observed[j]) continue;
            double y = 0;
            for (int t = 0; t < k; t++) y += w[t] * h[t * n + j];
            sum += (x[j] - y) * (x[j] - y);
        }
        return sum;
    }

    private static double[] SolvePassive(double[] g, double[] b, bool[] passive, int k)
    {
        var index = Enumerable.Range(0, k).Where(t => passive[t]).ToArray();
        int p = index.Length;
        var a = new double[p, p];
        var r = new double[p];
        for (int i = 0; i < p; i++)
        {
            r[i] = b[index[i]];
            for (int j = 0; j < p; j++) a[i, j] = g[index[i] * k + index[j]];
        }
        for (int c = 0; c < p; c++)
        {
            int pivot = c;
            for (int i = c + 1; i < p; i++) if (Math.Abs(a[i, c]) > Math.Abs(a[pivot, c])) pivot = i;
            for (int j = 0; j < p; j++) (a[c, j], a[pivot, j]) = (a[pivot, j], a[c, j]);
            (r[c], r[pivot]) = (r[pivot], r[c]);
            for (int i = c + 1; i < p; i++)
            {
                double f = a[i, c] / a[c, c];
                for (int j = c; j < p; j++) a[i, j] -= f * a[c, j];
                r[i] -= f * r[c];
            }
        }
        for (int i = p - 1; i >= 0; i--)
        {
            double s = r[i];
            for (int j = i + 1; j < p; j++) s -= a[i, j] * r[j];
            r[i] = s / a[i, i];
        }
        var z = new double[k];
        for (int i = 0; i < p; i++) z[index[i]] = r[i];
        return z;
    }
}
