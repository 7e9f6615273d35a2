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
    /// <remarks>
    /// Memory: U and V are the caller's (NNDSVD turns them into W and Hᵀ in place), so they are allocated first and
    /// the sketch that fits in one of them lives there while the SVD runs (tall data: the n x l sketch Z inside U;
    /// wide data: the m x l sketch Y inside V), and is consumed before that factor is written. The other sketch is
    /// rented from the pool, where the solver's product buffer finds it. So the start needs one factor-sized buffer
    /// beyond W and Hᵀ, the one the iterations need anyway; the values are those of separate sketches, bit for bit.
    /// </remarks>
    public static (float[] U, double[] S, float[] V) Compute(DataOperand x, int k, SeededRandom random, int degree)
    {
        int m = x.Rows, n = x.Columns;
        int l = Math.Min(k + 10, Math.Min(m, n));
        int powerIterations = k < 0.1 * Math.Min(m, n) ? 7 : 4;

        var u = FactorLayout.Allocate(m, k);
        var v = FactorLayout.Allocate(n, k);
        // The sketches Z (n x l, first Ω) and Y (m x l), each with 8 zeroed floats of padding after it.
        bool zInU = (long)n * l <= (long)m * k;
        bool yInV = !zInU && (long)m * l <= (long)n * k;
        var z = zInU ? Borrow(u, n, l) : FactorLayout.Rent(n, l);
        var y = yInV ? Borrow(v, m, l) : FactorLayout.Rent(m, l);
        for (int i = 0; i < n * l; i++)
            z[i] = (float)random.NextGaussian(); // Ω
        var work = new Workspace(l);
        x.Multiply(z, l, y, degree);
        for (int q = 0; q < powerIterations; q++)
        {
            Orthonormalize(y, m, l, degree, work);
            x.Transposed.Multiply(y, l, z, degree);
            Orthonormalize(z, n, l, degree, work);
            x.Multiply(z, l, y, degree);
        }
        Orthonormalize(y, m, l, degree, work); // Q (m x l)
        x.Transposed.Multiply(y, l, z, degree); // Bᵀ = XᵀQ (n x l)

        var (values, vectors) = SymmetricEigen.Decompose(FactorOps.Gram(z, n, l, degree), l, work.Eigen); // BBᵀ = Uᵦ Λ Uᵦᵀ
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
        // A sketch held in a factor is read before that factor is written: V = Bᵀ·Uᵦ·S⁻¹ first when Z is in U.
        if (yInV)
        {
            MultiplySmall(y, m, l, plain, k, degree, u, work);
            MultiplySmall(z, n, l, scaled, k, degree, v, work);
        }
        else
        {
            MultiplySmall(z, n, l, scaled, k, degree, v, work);
            MultiplySmall(y, m, l, plain, k, degree, u, work);
        }
        if (!yInV)
            Memory.BufferPool.Return(y);
        if (!zInU)
            Memory.BufferPool.Return(z);
        return (u, s, v);
    }

    /// <summary>A rows x l sketch stored at the start of <paramref name="factor"/> (which is longer), its padding zeroed.</summary>
    private static float[] Borrow(float[] factor, int rows, int l)
    {
        Array.Clear(factor, rows * l, FactorLayout.Padding);
        return factor;
    }

    /// <summary>Replaces the columns of A (rows x l) by an orthonormal basis of their span (eigen-decomposition of AᵀA).</summary>
    private static void Orthonormalize(float[] a, int rows, int l, int degree, Workspace work)
    {
        var (values, vectors) = SymmetricEigen.Decompose(FactorOps.Gram(a, rows, l, degree), l, work.Eigen);
        double floor = Math.Max(values[0], 0) * 1e-12;
        var map = work.Map;
        for (int c = 0; c < l; c++)
        {
            double scale = values[c] > floor && values[c] > 0 ? 1 / Math.Sqrt(values[c]) : 0;
            for (int r = 0; r < l; r++)
                map[r * l + c] = vectors[r * l + c] * scale;
        }
        MultiplySmall(a, rows, l, map, l, degree, a, work); // in place: each row only reads itself
    }

    /// <summary>A (rows x l, padded float) times M (l x c, double) into <paramref name="result"/> (rows x c); may be A itself when c = l.</summary>
    private static unsafe void MultiplySmall(float[] a, int rows, int l, double[] m, int c, int degree, float[] result, Workspace work)
    {
        var mf = work.SmallFactor;
        for (int i = 0; i < l * c; i++)
            mf[i] = (float)m[i];
        Array.Clear(mf, l * c, FactorLayout.Padding);
        var columns = work.Columns;
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

    /// <summary>
    /// The l x l arrays of the SVD's dozen small steps, allocated once per SVD (each is a large-object allocation from
    /// l = 104 on; per step they were megabytes of garbage).
    /// </summary>
    private sealed class Workspace
    {
        public Workspace(int l)
        {
            Eigen = new SymmetricEigen.Workspace(l);
            Map = new double[checked(l * l)];
            SmallFactor = FactorLayout.Allocate(l, l);
            Columns = Enumerable.Range(0, l).ToArray();
        }

        /// <summary>The eigen-decompositions' arrays.</summary>
        public SymmetricEigen.Workspace Eigen { get; }

        /// <summary>The orthonormalising map (l x l).</summary>
        public double[] Map { get; }

        /// <summary>A small matrix in float as a padded factor (l x c, c ≤ l).</summary>
        public float[] SmallFactor { get; }

        /// <summary>0..l-1, the "column indices" of a dense row.</summary>
        public int[] Columns { get; }
    }
}
