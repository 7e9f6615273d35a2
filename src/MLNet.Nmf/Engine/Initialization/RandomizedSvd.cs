using MLNet.Nmf.Engine.Kernels;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Solvers;

namespace MLNet.Nmf.Engine.Initialization;

/// <summary>
/// Truncated SVD X ≈ U diag(S) Vᵀ by randomized range finding with power iterations (Halko, Martinsson
/// &amp; Tropp 2011), as scikit-learn's <c>randomized_svd</c>: 10 oversamples, 7 power iterations when
/// k &lt; 0.1·min(m, n) else 4. Works through products with X and Xᵀ only, so CSR input is never densified.
/// </summary>
internal static class RandomizedSvd
{
    /// <summary>U (m x k), S (k), V (n x k) as padded factors.</summary>
    public static (float[] U, double[] S, float[] V) Compute(DataOperand x, int k, SeededRandom random, int degree)
    {
        int m = x.Rows, n = x.Columns;
        int l = Math.Min(k + 10, Math.Min(m, n));
        int powerIterations = k < 0.1 * Math.Min(m, n) ? 7 : 4;

        var omega = FactorLayout.Allocate(n, l);
        for (int i = 0; i < n * l; i++)
            omega[i] = (float)random.NextGaussian();
        var y = FactorLayout.Allocate(m, l);
        var z = FactorLayout.Allocate(n, l);
        x.Multiply(omega, l, y, degree);
        for (int q = 0; q < powerIterations; q++)
        {
            Orthonormalize(y, m, l, degree);
            x.Transposed.Multiply(y, l, z, degree);
            Orthonormalize(z, n, l, degree);
            x.Multiply(z, l, y, degree);
        }
        Orthonormalize(y, m, l, degree); // Q (m x l)
        x.Transposed.Multiply(y, l, z, degree); // Bᵀ = XᵀQ (n x l)

        var (values, vectors) = SymmetricEigen.Decompose(FactorOps.Gram(z, n, l, degree), l); // BBᵀ = Uᵦ Λ Uᵦᵀ
        var s = new double[k];
        var scaled = new double[l * k];
        var plain = new double[l * k];
        for (int c = 0; c < k; c++)
        {
            s[c] = Math.Sqrt(Math.Max(values[c], 0));
            for (int r = 0; r < l; r++)
            {
                plain[r * k + c] = vectors[r * l + c];
                scaled[r * k + c] = s[c] > 0 ? vectors[r * l + c] / s[c] : 0;
            }
        }
        return (MultiplySmall(y, m, l, plain, k), s, MultiplySmall(z, n, l, scaled, k));
    }

    /// <summary>Replaces the columns of A (rows x l) by an orthonormal basis of their span (eigen-decomposition of AᵀA).</summary>
    private static void Orthonormalize(float[] a, int rows, int l, int degree)
    {
        var (values, vectors) = SymmetricEigen.Decompose(FactorOps.Gram(a, rows, l, degree), l);
        double floor = Math.Max(values[0], 0) * 1e-12;
        var map = new double[l * l];
        for (int c = 0; c < l; c++)
        {
            double scale = values[c] > floor && values[c] > 0 ? 1 / Math.Sqrt(values[c]) : 0;
            for (int r = 0; r < l; r++)
                map[r * l + c] = vectors[r * l + c] * scale;
        }
        var q = MultiplySmall(a, rows, l, map, l);
        Array.Copy(q, a, rows * l);
    }

    /// <summary>A (rows x l, padded float) times M (l x c, double) into a padded rows x c factor.</summary>
    private static float[] MultiplySmall(float[] a, int rows, int l, double[] m, int c)
    {
        var result = FactorLayout.Allocate(rows, c);
        var acc = new double[c];
        for (int i = 0; i < rows; i++)
        {
            Array.Clear(acc);
            for (int r = 0; r < l; r++)
            {
                double v = a[i * l + r];
                if (v == 0) continue;
                for (int j = 0; j < c; j++)
                    acc[j] += v * m[r * c + j];
            }
            for (int j = 0; j < c; j++)
                result[i * c + j] = (float)acc[j];
        }
        return result;
    }
}
