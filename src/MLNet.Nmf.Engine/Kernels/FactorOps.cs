using MLNet.Nmf.Engine.Parallelism;

namespace MLNet.Nmf.Engine.Kernels;

/// <summary>Whole-factor operations built on the kernels, parallel over a fixed partition and deterministic.</summary>
internal static unsafe class FactorOps
{
    /// <summary>Rows per block for factor-wide reductions (fixed: results must not depend on threads).</summary>
    private const int RowsPerBlock = 1024;

    [ThreadStatic]
    private static float[]? t_partial;

    /// <summary>
    /// AᵀA (k x k, row-major) of a padded rows x k factor; blocks are added in order, in double. Each block's upper
    /// triangle comes from the register-tiled <see cref="GramKernels.AccumulateUpper"/> and is mirrored (the same bits
    /// as the full square of FMA chains, at a little over half the FMAs).
    /// </summary>
    public static double[] Gram(float[] a, int rows, int k, int degree) => Gram(a, rows, k, degree, new double[checked(k * k)]);

    /// <summary><see cref="Gram(float[], int, int, int)"/> written into <paramref name="into"/> (k x k, overwritten), which it returns.</summary>
    public static double[] Gram(float[] a, int rows, int k, int degree, double[] into)
    {
        int stride = (k + 7) & ~7;
        var blocks = BlockPartition.Even(rows, RowsPerBlock);
        // The per-block partial sums are reused across calls on this thread (a solver calls this twice an
        // iteration); a fresh large array each time would only feed the large-object heap.
        int square = checked(stride * stride);
        int length = checked(blocks.BlockCount * square); // bounded by FitBudget for fits, by the components for projectors
        var partial = t_partial is { } cached && cached.Length >= length ? cached : (t_partial = new float[length]);
        Array.Clear(partial, 0, length);
        BlockRunner.For(blocks.BlockCount, degree, block =>
        {
            int start = blocks.Start(block);
            fixed (float* pa = a, pg = partial)
                GramKernels.AccumulateUpper(pa + (long)start * k, blocks.End(block) - start, k, pg + (long)block * square, stride);
        });
        var gram = into;
        Array.Clear(gram, 0, checked(k * k));
        for (int b = 0; b < blocks.BlockCount; b++)
        {
            int offset = b * square;
            for (int s = 0; s < k; s++)
                for (int t = s; t < k; t++)
                    gram[s * k + t] += partial[offset + s * stride + t];
        }
        for (int s = 0; s < k; s++)
            for (int t = 0; t < s; t++)
                gram[s * k + t] = gram[t * k + s];
        return gram;
    }

    /// <summary>
    /// AᵀA (k x k) of a padded rows x k factor with every product and sum in double, rows in order
    /// (<see cref="DoubleKernels.AccumulateGramUpper"/>, mirrored): exact to double rounding where
    /// <see cref="Gram(float[], int, int, int)"/> (float partial sums) is exact to about 1e-7. Single-threaded.
    /// </summary>
    public static double[] ExactGram(float[] a, int rows, int k)
    {
        var gram = new double[checked(k * k)];
        fixed (float* pa = a)
        fixed (double* pg = gram)
            DoubleKernels.AccumulateGramUpper(pa, rows, k, pg);
        for (int s = 0; s < k; s++)
            for (int t = 0; t < s; t++)
                gram[s * k + t] = gram[t * k + s];
        return gram;
    }

    /// <summary>Σ_i a[i, t] for each column t, in double.</summary>
    public static double[] ColumnSums(ReadOnlySpan<float> a, int rows, int k)
    {
        var sums = new double[k];
        for (int i = 0; i < rows; i++)
            for (int t = 0; t < k; t++)
                sums[t] += a[i * k + t];
        return sums;
    }

    /// <summary>
    /// Σ a ∘ b over the first <paramref name="count"/> entries, in double, in 16 lanes of a fixed order
    /// (<see cref="DoubleKernels.ElementwiseDot"/>): the per-iteration objective's cross term.
    /// </summary>
    public static double ElementwiseDot(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int count)
    {
        if ((uint)count > (uint)a.Length || (uint)count > (uint)b.Length)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"The count must be within both spans ({a.Length} and {b.Length} entries).");
        fixed (float* pa = a, pb = b)
            return DoubleKernels.ElementwiseDot(pa, pb, count);
    }

    /// <summary>Σ_st a[s, t] · b[s, t] of two k x k matrices.</summary>
    public static double FrobeniusInner(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++)
            s += a[i] * b[i];
        return s;
    }

    /// <summary>Converts a k x k double matrix to float, adding <paramref name="diagonal"/> on the diagonal.</summary>
    /// <remarks>With <paramref name="into"/> (k·k + 8 floats, its padding zero), the result is written there: a solver's per-iteration copy.</remarks>
    public static float[] ToFloat(double[] gram, int k, double diagonal, float[]? into = null)
    {
        var g = into ?? new float[checked(k * k + FactorLayout.Padding)];
        for (int s = 0; s < k; s++)
            for (int t = 0; t < k; t++)
                g[s * k + t] = (float)(gram[s * k + t] + (s == t ? diagonal : 0));
        return g;
    }

    /// <summary>Copies floats into a double array of the same logical length (<paramref name="to"/>.Length values).</summary>
    public static void Widen(float[] from, double[] to)
    {
        for (int i = 0; i < to.Length; i++)
            to[i] = from[i];
    }

    /// <summary>Rounds doubles to floats (<paramref name="from"/>.Length values).</summary>
    public static void Narrow(double[] from, float[] to)
    {
        for (int i = 0; i < from.Length; i++)
            to[i] = (float)from[i];
    }

    /// <summary>Transposes a k x n row-major matrix into a padded n x k factor.</summary>
    public static float[] TransposeToFactor(ReadOnlySpan<float> h, int k, int n)
    {
        var ht = FactorLayout.Allocate(n, k);
        for (int t = 0; t < k; t++)
            for (int j = 0; j < n; j++)
                ht[j * k + t] = h[t * n + j];
        return ht;
    }

    /// <summary>Transposes a padded n x k factor into a k x n row-major array.</summary>
    public static float[] TransposeFromFactor(ReadOnlySpan<float> ht, int n, int k)
    {
        var h = new float[checked(k * n)];
        for (int j = 0; j < n; j++)
            for (int t = 0; t < k; t++)
                h[t * n + j] = ht[j * k + t];
        return h;
    }
}
