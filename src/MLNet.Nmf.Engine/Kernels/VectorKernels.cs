using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MLNet.Nmf.Engine.Kernels;

/// <summary>
/// The engine's fused SIMD kernels (Vector256, FMA). Each has a plain reference of the same name in
/// <see cref="ScalarKernels"/>. Arguments are trusted: callers validate once at the edge.
/// </summary>
/// <remarks>
/// Kernels that read factor rows may read up to one vector past a row's end; factors are allocated
/// with <see cref="FactorLayout.Padding"/> spare floats so such reads stay inside the array, and the
/// extra lanes never reach an output.
/// </remarks>
internal static unsafe class VectorKernels
{
    private const int W = 8; // floats per Vector256

    /// <summary>
    /// Accelerated HALS's inner stop (Gillis &amp; Glineur 2012, δ = 0.1 as in their code): a block of rows sweeps again only
    /// while the last sweep moved it by more than δ of what its first sweep did, in Frobenius norm. The moves are kept
    /// squared, so this is δ². Every sweep kernel (dense, 64-row, masked) uses it.
    /// </summary>
    public const double InnerStopSquared = 1e-2;

    /// <summary>Σ x[i] y[i], vectorized.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Dot(float* x, float* y, int n)
    {
        var a0 = Vector256<float>.Zero;
        var a1 = Vector256<float>.Zero;
        int i = 0;
        for (; i + 2 * W <= n; i += 2 * W)
        {
            a0 = Vector256.FusedMultiplyAdd(Vector256.Load(x + i), Vector256.Load(y + i), a0);
            a1 = Vector256.FusedMultiplyAdd(Vector256.Load(x + i + W), Vector256.Load(y + i + W), a1);
        }
        if (i + W <= n)
        {
            a0 = Vector256.FusedMultiplyAdd(Vector256.Load(x + i), Vector256.Load(y + i), a0);
            i += W;
        }
        float s = Vector256.Sum(a0 + a1);
        for (; i < n; i++)
            s = MathF.FusedMultiplyAdd(x[i], y[i], s);
        return s;
    }

    /// <summary>Σ x[i] y[i] over spans.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        fixed (float* px = x, py = y)
            return Dot(px, py, x.Length);
    }

    /// <summary>
    /// output[t] = Σ_p values[p] * factor[indices[p] * k + t] for t in [0, k): one row of a CSR
    /// matrix times a padded row-major factor. Lane for lane the same FMA sequence as the scalar
    /// reference, so the two agree exactly.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SparseRowTimesFactor(int* indices, float* values, int count, float* factor, int k, float* output) =>
        GatherKernels.Row<GatherKernels.Zero>(indices, values, count, factor, k, output);

    /// <summary>
    /// Rows [<paramref name="first"/>, <paramref name="end"/>) of a CSR matrix (row pointers <paramref name="ptr"/>)
    /// times a padded row-major factor, row i into output[i * k ..]: exactly <see cref="SparseRowTimesFactor"/> row by row.
    /// </summary>
    public static void SparseRowsTimesFactor(int* ptr, int first, int end, int* indices, float* values, float* factor, int k, float* output) =>
        GatherKernels.Rows(ptr, first, end, indices, values, factor, k, output);

    /// <summary>
    /// output[t] = fma-chain over p of values[p] * factor[indices[p] * k + t], continued from the partial sums already in
    /// output (the same FMA per lane as <see cref="SparseRowTimesFactor"/>). Feeding one row's entries in consecutive
    /// pieces to this kernel, starting from a zeroed output, gives exactly the bits of one call of
    /// <see cref="SparseRowTimesFactor"/> over all of them: the cache-blocked product
    /// (<see cref="Matrices.TiledSparseProduct"/>) relies on it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SparseRowTimesFactorAccumulate(int* indices, float* values, int count, float* factor, int k, float* output)
    {
        if (count > 0)
            GatherKernels.Row<GatherKernels.Output>(indices, values, count, factor, k, output);
    }

    /// <summary>
    /// output[i * k + t] = Σ_j m[i * c + j] * bt[t * c + j]: a block of dense rows times the
    /// transpose of a k x c matrix, in 4 x 3 register tiles.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DenseTimesTransposed(float* m, int rows, int c, float* bt, int k, float* output)
    {
        int i = 0;
        for (; i + 4 <= rows; i += 4)
        {
            float* m0 = m + (long)i * c;
            int t = 0;
            for (; t + 3 <= k; t += 3)
                Tile4x3(m0, c, bt + (long)t * c, output + (long)i * k + t, k);
            for (; t < k; t++)
                Tile4x1(m0, c, bt + (long)t * c, output + (long)i * k + t, k);
        }
        for (; i < rows; i++)
            for (int t = 0; t < k; t++)
                output[(long)i * k + t] = Dot(m + (long)i * c, bt + (long)t * c, c);
    }

    private static void Tile4x3(float* m0, int c, float* b0, float* o, int k)
    {
        float* m1 = m0 + c, m2 = m1 + c, m3 = m2 + c;
        float* b1 = b0 + c, b2 = b1 + c;
        Vector256<float> s00 = default, s01 = default, s02 = default;
        Vector256<float> s10 = default, s11 = default, s12 = default;
        Vector256<float> s20 = default, s21 = default, s22 = default;
        Vector256<float> s30 = default, s31 = default, s32 = default;
        int j = 0;
        for (; j + W <= c; j += W)
        {
            var v0 = Vector256.Load(b0 + j);
            var v1 = Vector256.Load(b1 + j);
            var v2 = Vector256.Load(b2 + j);
            var x = Vector256.Load(m0 + j);
            s00 = Vector256.FusedMultiplyAdd(x, v0, s00); s01 = Vector256.FusedMultiplyAdd(x, v1, s01); s02 = Vector256.FusedMultiplyAdd(x, v2, s02);
            x = Vector256.Load(m1 + j);
            s10 = Vector256.FusedMultiplyAdd(x, v0, s10); s11 = Vector256.FusedMultiplyAdd(x, v1, s11); s12 = Vector256.FusedMultiplyAdd(x, v2, s12);
            x = Vector256.Load(m2 + j);
            s20 = Vector256.FusedMultiplyAdd(x, v0, s20); s21 = Vector256.FusedMultiplyAdd(x, v1, s21); s22 = Vector256.FusedMultiplyAdd(x, v2, s22);
            x = Vector256.Load(m3 + j);
            s30 = Vector256.FusedMultiplyAdd(x, v0, s30); s31 = Vector256.FusedMultiplyAdd(x, v1, s31); s32 = Vector256.FusedMultiplyAdd(x, v2, s32);
        }
        float r00 = Vector256.Sum(s00), r01 = Vector256.Sum(s01), r02 = Vector256.Sum(s02);
        float r10 = Vector256.Sum(s10), r11 = Vector256.Sum(s11), r12 = Vector256.Sum(s12);
        float r20 = Vector256.Sum(s20), r21 = Vector256.Sum(s21), r22 = Vector256.Sum(s22);
        float r30 = Vector256.Sum(s30), r31 = Vector256.Sum(s31), r32 = Vector256.Sum(s32);
        for (; j < c; j++)
        {
            float y0 = b0[j], y1 = b1[j], y2 = b2[j];
            r00 += m0[j] * y0; r01 += m0[j] * y1; r02 += m0[j] * y2;
            r10 += m1[j] * y0; r11 += m1[j] * y1; r12 += m1[j] * y2;
            r20 += m2[j] * y0; r21 += m2[j] * y1; r22 += m2[j] * y2;
            r30 += m3[j] * y0; r31 += m3[j] * y1; r32 += m3[j] * y2;
        }
        o[0] = r00; o[1] = r01; o[2] = r02;
        o[k] = r10; o[k + 1] = r11; o[k + 2] = r12;
        o[2 * k] = r20; o[2 * k + 1] = r21; o[2 * k + 2] = r22;
        o[3 * k] = r30; o[3 * k + 1] = r31; o[3 * k + 2] = r32;
    }

    private static void Tile4x1(float* m0, int c, float* b0, float* o, int k)
    {
        o[0] = Dot(m0, b0, c);
        o[k] = Dot(m0 + c, b0, c);
        o[2 * k] = Dot(m0 + 2 * c, b0, c);
        o[3 * k] = Dot(m0 + 3 * c, b0, c);
    }

    /// <summary>
    /// output[p] = Σ_t aPadded[t] * factor[indices[p] * k + t]: the model's value (row of A times row of B)
    /// at each stored column of one row. <paramref name="aPadded"/> must be padded with zeros to a multiple
    /// of 8 floats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GatherRowDots(float* aPadded, int* indices, int count, float* factor, int k, float* output)
    {
        if (k <= W)
        {
            var a = Vector256.Load(aPadded);
            for (int p = 0; p < count; p++)
                output[p] = Vector256.Sum(a * Vector256.Load(factor + (long)indices[p] * k));
            return;
        }
        int vectors = (k + W - 1) / W;
        for (int p = 0; p < count; p++)
        {
            float* r = factor + (long)indices[p] * k;
            var acc = Vector256.Load(aPadded) * Vector256.Load(r);
            for (int v = 1; v < vectors; v++)
                acc = Vector256.FusedMultiplyAdd(Vector256.Load(aPadded + v * W), Vector256.Load(r + v * W), acc);
            output[p] = Vector256.Sum(acc);
        }
    }

    /// <summary>Copies <paramref name="count"/> (≤ 8) rows of a k-wide factor into k lane vectors (lane r = row r); missing rows are 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ToLanes(float* rows, int count, int k, float* lanes)
    {
        for (int t = 0; t < k; t++)
        {
            float* l = lanes + t * W;
            for (int r = 0; r < W; r++)
                l[r] = r < count ? rows[r * k + t] : 0f;
        }
    }

    /// <summary>The inverse of <see cref="ToLanes"/> for the first <paramref name="count"/> rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FromLanes(float* lanes, int count, int k, float* rows)
    {
        for (int t = 0; t < k; t++)
            for (int r = 0; r < count; r++)
                rows[r * k + t] = lanes[t * W + r];
    }

    /// <summary>
    /// One HALS coordinate sweep over eight rows held in lanes (see <see cref="ToLanes"/>):
    /// for t in order, g = l1 − p_t + Σ_u G[t, u] a_u; a_t ← max(0, a_t − g / G[t, t]).
    /// Returns Σ|projected gradient| over the first <paramref name="count"/> lanes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double CoordinateSweep8(float* a, float* p, float* gram, float l1, int k, int* order, int count, int sweeps = 1, int* executed = null)
    {
        double first = CoordinateSweep8Once(a, p, gram, l1, k, order, count, out double firstChange);
        int sweep = 1;
        for (; sweep < sweeps; sweep++)
        {
            // Accelerated HALS's inner stop (Gillis & Glineur 2012): once a sweep moves the rows by at most
            // 10 % (in Frobenius norm) of what the first sweep did, further sweeps are not worth it.
            CoordinateSweep8Once(a, p, gram, l1, k, order, count, out double change);
            if (change <= InnerStopSquared * firstChange)
                break;
        }
        if (executed != null)
            *executed = Math.Min(sweep + 1, Math.Max(sweeps, 1)); // sweeps run: the stopping one included
        return first;
    }

    private static double CoordinateSweep8Once(float* a, float* p, float* gram, float l1, int k, int* order, int count, out double change)
    {
        var live = Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(count)).AsSingle();
        var violation = Vector256<float>.Zero;
        var moved = Vector256<float>.Zero;
        var l1v = Vector256.Create(l1);
        for (int s = 0; s < k; s++)
        {
            int t = order[s];
            float* g = gram + t * k;
            // Four independent FMA chains (u mod 4) hide the FMA latency; ScalarKernels.CoordinateSweep
            // adds in the same order, so the two agree exactly.
            Vector256<float> g0 = default, g1 = default, g2 = default, g3 = default;
            int u = 0;
            for (; u + 4 <= k; u += 4)
            {
                g0 = Vector256.FusedMultiplyAdd(Vector256.Create(g[u]), Vector256.Load(a + u * W), g0);
                g1 = Vector256.FusedMultiplyAdd(Vector256.Create(g[u + 1]), Vector256.Load(a + (u + 1) * W), g1);
                g2 = Vector256.FusedMultiplyAdd(Vector256.Create(g[u + 2]), Vector256.Load(a + (u + 2) * W), g2);
                g3 = Vector256.FusedMultiplyAdd(Vector256.Create(g[u + 3]), Vector256.Load(a + (u + 3) * W), g3);
            }
            for (; u < k; u++)
                g0 = Vector256.FusedMultiplyAdd(Vector256.Create(g[u]), Vector256.Load(a + u * W), g0);
            var grad = ((g0 + g1) + (g2 + g3)) + (l1v - Vector256.Load(p + t * W));
            var current = Vector256.Load(a + t * W);
            var projected = Vector256.ConditionalSelect(Vector256.Equals(current, Vector256<float>.Zero), Vector256.Min(grad, Vector256<float>.Zero), grad);
            violation += Vector256.Abs(projected) & live;
            float hess = g[t];
            if (hess != 0f)
            {
                var next = Vector256.Max(current - grad / Vector256.Create(hess), Vector256<float>.Zero);
                var delta = (next - current) & live;
                moved = Vector256.FusedMultiplyAdd(delta, delta, moved);
                next.Store(a + t * W);
            }
            else
            {
                // No curvature: 0 where the gradient is positive (the L1 term's minimizer), kept elsewhere (none exists).
                var next = Vector256.ConditionalSelect(Vector256.GreaterThan(grad, Vector256<float>.Zero), Vector256<float>.Zero, current);
                var delta = (next - current) & live;
                moved = Vector256.FusedMultiplyAdd(delta, delta, moved);
                next.Store(a + t * W);
            }
        }
        change = Vector256.Sum(moved);
        return Vector256.Sum(violation);
    }
}
