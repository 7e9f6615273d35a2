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

        // The two sketches are scratch: pooled, and the solver's product buffer reuses them afterwards.
        var omega = FactorLayout.Rent(n, l);
        for (int i = 0; i < n * l; i++)
            omega[i] = (float)random.NextGaussian();
        var y = FactorLayout.Rent(m, l);
        var z = omega; // n x l, reused once Ω has been applied
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
        var scaled = new double[checked(l * k)];
        var plain = new double[checked(l * k)];
        for (int c = 0; c < k; c++)
        {
            s[c] = Math.Sqrt(Math.Max(values[c], 0));
            for (int r = 0; r < l; r++)
            {
                plain[r * k + c] = vectors[r * l + c];
                scaled[r * k + c] = s[c] > 0 ? vectors[r * l + c] / s[c] : 0;
            }
        }
        var u = FactorLayout.Allocate(m, k);
        var v = FactorLayout.Allocate(n, k);
        MultiplySmall(y, m, l, plain, k, degree, u);
        MultiplySmall(z, n, l, scaled, k, degree, v);
        Memory.BufferPool.Return(y);
        Memory.BufferPool.Return(z);
        return (u, s, v);
    }

    /// <summary>Replaces the columns of A (rows x l) by an orthonormal basis of their span (eigen-decomposition of AᵀA).</summary>
    private static void Orthonormalize(float[] a, int rows, int l, int degree)
    {
        var (values, vectors) = SymmetricEigen.Decompose(FactorOps.Gram(a, rows, l, degree), l);
        double floor = Math.Max(values[0], 0) * 1e-12;
        var map = new double[checked(l * l)];
        for (int c = 0; c < l; c++)
        {
            double scale = values[c] > floor && values[c] > 0 ? 1 / Math.Sqrt(values[c]) : 0;
            for (int r = 0; r < l; r++)
                map[r * l + c] = vectors[r * l + c] * scale;
        }
        MultiplySmall(a, rows, l, map, l, degree, a); // in place: each row only reads itself
    }

    /// <summary>A (rows x l, padded float) times M (l x c, double) into <paramref name="result"/> (rows x c); may be A itself when c = l.</summary>
    private static unsafe void MultiplySmall(float[] a, int rows, int l, double[] m, int c, int degree, float[] result)
    {
        var mf = FactorLayout.Allocate(l, c);
        for (int i = 0; i < l * c; i++)
            mf[i] = (float)m[i];
        var columns = Enumerable.Range(0, l).ToArray();
        var blocks = Parallelism.BlockPartition.Even(rows, 1024);
        Parallelism.BlockRunner.For(blocks.BlockCount, degree, block =>
        {
            Span<float> rowBuffer = c <= 4096 ? stackalloc float[c] : new float[c];
            fixed (float* row = rowBuffer)
            fixed (float* pa = a, pm = mf, pr = result)
            fixed (int* pc = columns)
            {
                for (int i = blocks.Start(block); i < blocks.End(block); i++)
                {
                    VectorKernels.SparseRowTimesFactor(pc, pa + (long)i * l, l, pm, c, row);
                    for (int j = 0; j < c; j++)
                        pr[(long)i * c + j] = row[j];
                }
            }
        });
    }
}
