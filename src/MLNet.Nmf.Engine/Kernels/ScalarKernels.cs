namespace MLNet.Nmf.Engine.Kernels;

/// <summary>
/// Plain scalar references for every kernel in <see cref="VectorKernels"/>. They define what each
/// kernel computes; tests hold the fast versions to them for every length from 0 to 256.
/// </summary>
internal static class ScalarKernels
{
    /// <summary>Σ x[i] y[i].</summary>
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        float s = 0f;
        for (int i = 0; i < x.Length; i++)
            s += x[i] * y[i];
        return s;
    }

    /// <summary>output[t] = Σ_p values[p] * factor[indices[p] * k + t], t in [0, k).</summary>
    public static void SparseRowTimesFactor(ReadOnlySpan<int> indices, ReadOnlySpan<float> values,
        ReadOnlySpan<float> factor, int k, Span<float> output)
    {
        for (int t = 0; t < k; t++)
        {
            float acc = 0f;
            for (int p = 0; p < indices.Length; p++)
                acc = MathF.FusedMultiplyAdd(values[p], factor[indices[p] * k + t], acc);
            output[t] = acc;
        }
    }

    /// <summary>output[i * k + t] = Σ_j m[i * c + j] * bt[t * c + j] for i in [0, rows), t in [0, k).</summary>
    public static void DenseTimesTransposed(ReadOnlySpan<float> m, int rows, int c,
        ReadOnlySpan<float> bt, int k, Span<float> output)
    {
        for (int i = 0; i < rows; i++)
            for (int t = 0; t < k; t++)
                output[i * k + t] = Dot(m.Slice(i * c, c), bt.Slice(t * c, c));
    }

    /// <summary>
    /// gram[s * k + t] += Σ_i a[i * k + s] * a[i * k + t] over the rows of <paramref name="a"/>: for each entry one FMA
    /// per row, rows in order, exactly as <see cref="GramKernels.AccumulateUpper"/> computes it.
    /// </summary>
    public static void AccumulateGram(ReadOnlySpan<float> a, int rows, int k, Span<float> gram)
    {
        for (int i = 0; i < rows; i++)
            for (int s = 0; s < k; s++)
                for (int t = 0; t < k; t++)
                    gram[s * k + t] = MathF.FusedMultiplyAdd(a[i * k + s], a[i * k + t], gram[s * k + t]);
    }

    /// <summary>output[p] = Σ_t a[t] * factor[indices[p] * k + t]: the model's value at each stored column of one row.</summary>
    public static void GatherRowDots(ReadOnlySpan<float> a, ReadOnlySpan<int> indices,
        ReadOnlySpan<float> factor, int k, Span<float> output)
    {
        for (int p = 0; p < indices.Length; p++)
            output[p] = Dot(a.Slice(0, k), factor.Slice(indices[p] * k, k));
    }

    /// <summary>
    /// One HALS sweep over a single row a (k), product p (k): for t in order,
    /// a_t ← max(0, a_t − (Σ_u G[t,u] a_u + l1 − p_t) / G[t,t]), the sum taken as four interleaved
    /// partial sums (u mod 4), exactly as the vector kernel does. A coordinate with G[t,t] = 0 (its partner
    /// component is zero) is set to 0 when its gradient is positive (an L1 penalty makes 0 its minimizer), else kept.
    /// </summary>
    public static double CoordinateSweep(Span<float> a, ReadOnlySpan<float> p, ReadOnlySpan<float> gram, float l1, int k, ReadOnlySpan<int> order)
    {
        double violation = 0;
        for (int s = 0; s < k; s++)
        {
            int t = order[s];
            var g = gram.Slice(t * k, k);
            float g0 = 0f, g1 = 0f, g2 = 0f, g3 = 0f;
            int u = 0;
            for (; u + 4 <= k; u += 4)
            {
                g0 = MathF.FusedMultiplyAdd(g[u], a[u], g0);
                g1 = MathF.FusedMultiplyAdd(g[u + 1], a[u + 1], g1);
                g2 = MathF.FusedMultiplyAdd(g[u + 2], a[u + 2], g2);
                g3 = MathF.FusedMultiplyAdd(g[u + 3], a[u + 3], g3);
            }
            for (; u < k; u++)
                g0 = MathF.FusedMultiplyAdd(g[u], a[u], g0);
            float grad = ((g0 + g1) + (g2 + g3)) + (l1 - p[t]);
            float current = a[t];
            violation += MathF.Abs(current == 0f ? MathF.Min(grad, 0f) : grad);
            float hess = g[t];
            if (hess != 0f)
                a[t] = MathF.Max(current - grad / hess, 0f);
            else if (grad > 0f)
                a[t] = 0f; // no curvature: the L1 term alone decides, and 0 is its minimizer (grad ≤ 0 has none: kept)
        }
        return violation;
    }

    /// <summary>output[p] = Σ_t w[t] · factor[indices[p] · k + t] in double, summed t = 0..k−1.</summary>
    public static void GatherRowDotsDouble(ReadOnlySpan<float> w, ReadOnlySpan<int> indices, ReadOnlySpan<float> factor, int k, Span<double> output)
    {
        for (int p = 0; p < indices.Length; p++)
        {
            double y = 0;
            for (int t = 0; t < k; t++)
                y += (double)w[t] * factor[indices[p] * k + t];
            output[p] = y;
        }
    }

    /// <summary>gram[s · k + t] += Σ_i a[i · k + s] · a[i · k + t] in double, for t ≥ s.</summary>
    public static void AccumulateGramUpper(ReadOnlySpan<float> a, int rows, int k, Span<double> gram)
    {
        for (int i = 0; i < rows; i++)
            for (int s = 0; s < k; s++)
            {
                double v = a[i * k + s];
                for (int t = s; t < k; t++)
                    gram[s * k + t] += v * a[i * k + t];
            }
    }

    /// <summary>
    /// Σ a[i] · b[i] in double in the lane order of <see cref="DoubleKernels.ElementwiseDot"/>: 16 lane sums, entry i in
    /// lane i mod 16 (whole groups of 16 only), lanes added as ((l0 + l4) + (l8 + l12)) + … per vector lane, then the
    /// rest in order.
    /// </summary>
    public static double ElementwiseDot(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int count)
    {
        const int lanes = DoubleKernels.DotLanes;
        var s = new double[lanes];
        int whole = count / lanes * lanes;
        for (int i = 0; i < whole; i++)
            s[i % lanes] += (double)a[i] * b[i];
        // Vector v holds lanes 4v..4v+3; (s0 + s1) + (s2 + s3) is taken lane by lane, then its four lanes in order.
        var v = new double[4];
        for (int j = 0; j < 4; j++)
            v[j] = (s[j] + s[4 + j]) + (s[8 + j] + s[12 + j]);
        double sum = ((v[0] + v[1]) + v[2]) + v[3];
        for (int i = whole; i < count; i++)
            sum += (double)a[i] * b[i];
        return sum;
    }
}
