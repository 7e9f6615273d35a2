using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using static MLNet.Nmf.Engine.Kernels.GatherKernels;

namespace MLNet.Nmf.Engine.Kernels;

/// <summary>
/// The upper triangle of AᵀA for a block of rows of a padded row-major factor, in register tiles of 8 Gram rows × up to
/// 3 vectors (24 columns): per data row, 8 broadcasts and 3 loads feed 24 FMAs whose accumulators stay in registers
/// over the whole block (a symmetric rank-k update, SYRK). Each entry is one FMA per row, rows in order, as its scalar
/// reference <see cref="ScalarKernels.AccumulateGram"/> computes it (bit for bit), and since fma(a, b, c) = fma(b, a, c)
/// the lower triangle it skips equals the upper one bit for bit: callers mirror it.
/// </summary>
internal static unsafe class GramKernels
{
    private const int W = 8; // floats per Vector256

    /// <summary>Gram rows per tile.</summary>
    public const int TileRows = 8;

    /// <summary>
    /// gram[s · stride + t] += Σ_i a[i · k + s] · a[i · k + t] for every vector of 8 columns t that reaches s or beyond
    /// (t ≥ 8·⌊s/8⌋), for s &lt; k rounded up to a multiple of 8. <paramref name="gram"/> holds stride × stride floats
    /// (stride = k rounded up to 8); entries with s or t ≥ k and below the diagonal's vector are scratch or untouched.
    /// Reads up to 7 floats past a row's k (the factor's padding covers the last row).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateUpper(float* a, int rows, int k, float* gram, int stride)
    {
        int vectors = stride / W;
        for (int s0 = 0; s0 < stride; s0 += TileRows)
        {
            int v = s0 / W;
            for (; v + 3 <= vectors; v += 3)
                Tile<V3>(a, rows, k, s0, v * W, gram, stride);
            if (vectors - v == 2)
                Tile<V2>(a, rows, k, s0, v * W, gram, stride);
            else if (vectors - v == 1)
                Tile<V1>(a, rows, k, s0, v * W, gram, stride);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TWidth>(float* a, int rows, int k, int s0, int t0, float* gram, int stride)
        where TWidth : struct, IWidth
    {
        int n = TWidth.Vectors;
        float* g = gram + (long)s0 * stride + t0;
        Vector256<float> c00 = Vector256.Load(g), c01 = default, c02 = default;
        Vector256<float> c10 = Vector256.Load(g + stride), c11 = default, c12 = default;
        Vector256<float> c20 = Vector256.Load(g + 2 * stride), c21 = default, c22 = default;
        Vector256<float> c30 = Vector256.Load(g + 3 * stride), c31 = default, c32 = default;
        Vector256<float> c40 = Vector256.Load(g + 4 * stride), c41 = default, c42 = default;
        Vector256<float> c50 = Vector256.Load(g + 5 * stride), c51 = default, c52 = default;
        Vector256<float> c60 = Vector256.Load(g + 6 * stride), c61 = default, c62 = default;
        Vector256<float> c70 = Vector256.Load(g + 7 * stride), c71 = default, c72 = default;
        if (n > 1)
        {
            c01 = Vector256.Load(g + W); c11 = Vector256.Load(g + stride + W); c21 = Vector256.Load(g + 2 * stride + W); c31 = Vector256.Load(g + 3 * stride + W);
            c41 = Vector256.Load(g + 4 * stride + W); c51 = Vector256.Load(g + 5 * stride + W); c61 = Vector256.Load(g + 6 * stride + W); c71 = Vector256.Load(g + 7 * stride + W);
        }
        if (n > 2)
        {
            c02 = Vector256.Load(g + 2 * W); c12 = Vector256.Load(g + stride + 2 * W); c22 = Vector256.Load(g + 2 * stride + 2 * W); c32 = Vector256.Load(g + 3 * stride + 2 * W);
            c42 = Vector256.Load(g + 4 * stride + 2 * W); c52 = Vector256.Load(g + 5 * stride + 2 * W); c62 = Vector256.Load(g + 6 * stride + 2 * W); c72 = Vector256.Load(g + 7 * stride + 2 * W);
        }
        float* row = a;
        for (int i = 0; i < rows; i++, row += k)
        {
            float* r = row + t0;
            var b0 = Vector256.Load(r);
            var b1 = n > 1 ? Vector256.Load(r + W) : default;
            var b2 = n > 2 ? Vector256.Load(r + 2 * W) : default;
            float* x = row + s0;
            var x0 = Vector256.Create(x[0]);
            c00 = Vector256.FusedMultiplyAdd(x0, b0, c00);
            if (n > 1) c01 = Vector256.FusedMultiplyAdd(x0, b1, c01);
            if (n > 2) c02 = Vector256.FusedMultiplyAdd(x0, b2, c02);
            var x1 = Vector256.Create(x[1]);
            c10 = Vector256.FusedMultiplyAdd(x1, b0, c10);
            if (n > 1) c11 = Vector256.FusedMultiplyAdd(x1, b1, c11);
            if (n > 2) c12 = Vector256.FusedMultiplyAdd(x1, b2, c12);
            var x2 = Vector256.Create(x[2]);
            c20 = Vector256.FusedMultiplyAdd(x2, b0, c20);
            if (n > 1) c21 = Vector256.FusedMultiplyAdd(x2, b1, c21);
            if (n > 2) c22 = Vector256.FusedMultiplyAdd(x2, b2, c22);
            var x3 = Vector256.Create(x[3]);
            c30 = Vector256.FusedMultiplyAdd(x3, b0, c30);
            if (n > 1) c31 = Vector256.FusedMultiplyAdd(x3, b1, c31);
            if (n > 2) c32 = Vector256.FusedMultiplyAdd(x3, b2, c32);
            var x4 = Vector256.Create(x[4]);
            c40 = Vector256.FusedMultiplyAdd(x4, b0, c40);
            if (n > 1) c41 = Vector256.FusedMultiplyAdd(x4, b1, c41);
            if (n > 2) c42 = Vector256.FusedMultiplyAdd(x4, b2, c42);
            var x5 = Vector256.Create(x[5]);
            c50 = Vector256.FusedMultiplyAdd(x5, b0, c50);
            if (n > 1) c51 = Vector256.FusedMultiplyAdd(x5, b1, c51);
            if (n > 2) c52 = Vector256.FusedMultiplyAdd(x5, b2, c52);
            var x6 = Vector256.Create(x[6]);
            c60 = Vector256.FusedMultiplyAdd(x6, b0, c60);
            if (n > 1) c61 = Vector256.FusedMultiplyAdd(x6, b1, c61);
            if (n > 2) c62 = Vector256.FusedMultiplyAdd(x6, b2, c62);
            var x7 = Vector256.Create(x[7]);
            c70 = Vector256.FusedMultiplyAdd(x7, b0, c70);
            if (n > 1) c71 = Vector256.FusedMultiplyAdd(x7, b1, c71);
            if (n > 2) c72 = Vector256.FusedMultiplyAdd(x7, b2, c72);
        }
        c00.Store(g); c10.Store(g + stride); c20.Store(g + 2 * stride); c30.Store(g + 3 * stride);
        c40.Store(g + 4 * stride); c50.Store(g + 5 * stride); c60.Store(g + 6 * stride); c70.Store(g + 7 * stride);
        if (n > 1)
        {
            c01.Store(g + W); c11.Store(g + stride + W); c21.Store(g + 2 * stride + W); c31.Store(g + 3 * stride + W);
            c41.Store(g + 4 * stride + W); c51.Store(g + 5 * stride + W); c61.Store(g + 6 * stride + W); c71.Store(g + 7 * stride + W);
        }
        if (n > 2)
        {
            c02.Store(g + 2 * W); c12.Store(g + stride + 2 * W); c22.Store(g + 2 * stride + 2 * W); c32.Store(g + 3 * stride + 2 * W);
            c42.Store(g + 4 * stride + 2 * W); c52.Store(g + 5 * stride + 2 * W); c62.Store(g + 6 * stride + 2 * W); c72.Store(g + 7 * stride + 2 * W);
        }
    }
}
