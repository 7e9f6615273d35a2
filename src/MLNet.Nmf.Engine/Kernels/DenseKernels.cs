using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MLNet.Nmf.Engine.Kernels;

/// <summary>
/// Dense rows times a padded row-major factor in register tiles of 8 rows × up to 24 columns (outer-product form:
/// eight broadcasts of x[r, j] and up to three vector loads of the factor's row j feed 24 FMAs; the last rows in
/// tiles of 4 rows × up to 32 columns). Each output entry is
/// accumulated over j in order with one FMA per term, exactly as <see cref="VectorKernels.SparseRowTimesFactor"/>
/// does for a row listing every column, so a dense row's product has the same bits in a batch as alone. The plain
/// reference is <see cref="ScalarKernels.SparseRowTimesFactor"/> over all columns.
/// </summary>
internal static unsafe class DenseKernels
{
    private const int W = 8; // floats per Vector256

    /// <summary>output[r · k + t] = Σ_j m[r · c + j] · factor[j · k + t] for r &lt; rows, t &lt; k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RowsTimesFactor(float* m, int rows, int c, float* factor, int k, float* output)
    {
        int r = 0;
        for (; r + 8 <= rows; r += 8)
            for (int t0 = 0; t0 < k; t0 += 3 * W)
            {
                int width = Math.Min(3 * W, k - t0);
                float* m0 = m + (long)r * c, b = factor + t0, o = output + (long)r * k + t0;
                switch ((width + W - 1) / W)
                {
                    case 1: Tile8<GatherKernels.V1>(m0, c, b, k, width, o); break;
                    case 2: Tile8<GatherKernels.V2>(m0, c, b, k, width, o); break;
                    default: Tile8<GatherKernels.V3>(m0, c, b, k, width, o); break;
                }
            }
        for (; r + 4 <= rows; r += 4)
            for (int t0 = 0; t0 < k; t0 += 4 * W)
                Tile4(m + (long)r * c, c, factor + t0, k, Math.Min(4 * W, k - t0), output + (long)r * k + t0);
        for (; r < rows; r++)
        {
            RowAlone(m + (long)r * c, c, factor, k, output + (long)r * k);
        }
    }

    private static void RowAlone(float* row, int c, float* factor, int k, float* output)
    {
        for (int t0 = 0; t0 < k; t0 += 4 * W)
        {
            int width = Math.Min(4 * W, k - t0);
            int vectors = (width + W - 1) / W;
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            float* b = factor + t0;
            for (int j = 0; j < c; j++)
            {
                var x = Vector256.Create(row[j]);
                float* f = b + (long)j * k;
                a0 = Vector256.FusedMultiplyAdd(x, Vector256.Load(f), a0);
                if (vectors > 1) a1 = Vector256.FusedMultiplyAdd(x, Vector256.Load(f + W), a1);
                if (vectors > 2) a2 = Vector256.FusedMultiplyAdd(x, Vector256.Load(f + 2 * W), a2);
                if (vectors > 3) a3 = Vector256.FusedMultiplyAdd(x, Vector256.Load(f + 3 * W), a3);
            }
            GatherKernels.StorePrefix(a0, output + t0, width);
            GatherKernels.StorePrefix(a1, output + t0 + W, width - W);
            GatherKernels.StorePrefix(a2, output + t0 + 2 * W, width - 2 * W);
            GatherKernels.StorePrefix(a3, output + t0 + 3 * W, width - 3 * W);
        }
    }

    /// <summary>
    /// Eight rows × <paramref name="width"/> (≤ 8 · TWidth.Vectors ≤ 24) columns of the output: per column j of the rows,
    /// eight broadcasts and up to three loads of the factor's row j feed 24 FMAs (24 accumulators in registers).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile8<TWidth>(float* m0, int c, float* b, int k, int width, float* o)
        where TWidth : struct, GatherKernels.IWidth
    {
        int n = TWidth.Vectors;
        float* m1 = m0 + c, m2 = m1 + c, m3 = m2 + c, m4 = m3 + c, m5 = m4 + c, m6 = m5 + c, m7 = m6 + c;
        Vector256<float> a00 = default, a01 = default, a02 = default, a10 = default, a11 = default, a12 = default;
        Vector256<float> a20 = default, a21 = default, a22 = default, a30 = default, a31 = default, a32 = default;
        Vector256<float> a40 = default, a41 = default, a42 = default, a50 = default, a51 = default, a52 = default;
        Vector256<float> a60 = default, a61 = default, a62 = default, a70 = default, a71 = default, a72 = default;
        for (int j = 0; j < c; j++)
        {
            float* f = b + (long)j * k;
            var f0 = Vector256.Load(f);
            var f1 = n > 1 ? Vector256.Load(f + W) : default;
            var f2 = n > 2 ? Vector256.Load(f + 2 * W) : default;
            var x = Vector256.Create(m0[j]);
            a00 = Vector256.FusedMultiplyAdd(x, f0, a00); if (n > 1) a01 = Vector256.FusedMultiplyAdd(x, f1, a01); if (n > 2) a02 = Vector256.FusedMultiplyAdd(x, f2, a02);
            x = Vector256.Create(m1[j]);
            a10 = Vector256.FusedMultiplyAdd(x, f0, a10); if (n > 1) a11 = Vector256.FusedMultiplyAdd(x, f1, a11); if (n > 2) a12 = Vector256.FusedMultiplyAdd(x, f2, a12);
            x = Vector256.Create(m2[j]);
            a20 = Vector256.FusedMultiplyAdd(x, f0, a20); if (n > 1) a21 = Vector256.FusedMultiplyAdd(x, f1, a21); if (n > 2) a22 = Vector256.FusedMultiplyAdd(x, f2, a22);
            x = Vector256.Create(m3[j]);
            a30 = Vector256.FusedMultiplyAdd(x, f0, a30); if (n > 1) a31 = Vector256.FusedMultiplyAdd(x, f1, a31); if (n > 2) a32 = Vector256.FusedMultiplyAdd(x, f2, a32);
            x = Vector256.Create(m4[j]);
            a40 = Vector256.FusedMultiplyAdd(x, f0, a40); if (n > 1) a41 = Vector256.FusedMultiplyAdd(x, f1, a41); if (n > 2) a42 = Vector256.FusedMultiplyAdd(x, f2, a42);
            x = Vector256.Create(m5[j]);
            a50 = Vector256.FusedMultiplyAdd(x, f0, a50); if (n > 1) a51 = Vector256.FusedMultiplyAdd(x, f1, a51); if (n > 2) a52 = Vector256.FusedMultiplyAdd(x, f2, a52);
            x = Vector256.Create(m6[j]);
            a60 = Vector256.FusedMultiplyAdd(x, f0, a60); if (n > 1) a61 = Vector256.FusedMultiplyAdd(x, f1, a61); if (n > 2) a62 = Vector256.FusedMultiplyAdd(x, f2, a62);
            x = Vector256.Create(m7[j]);
            a70 = Vector256.FusedMultiplyAdd(x, f0, a70); if (n > 1) a71 = Vector256.FusedMultiplyAdd(x, f1, a71); if (n > 2) a72 = Vector256.FusedMultiplyAdd(x, f2, a72);
        }
        StoreRow(a00, a01, a02, default, o, width);
        StoreRow(a10, a11, a12, default, o + k, width);
        StoreRow(a20, a21, a22, default, o + 2 * k, width);
        StoreRow(a30, a31, a32, default, o + 3 * k, width);
        StoreRow(a40, a41, a42, default, o + 4 * k, width);
        StoreRow(a50, a51, a52, default, o + 5 * k, width);
        StoreRow(a60, a61, a62, default, o + 6 * k, width);
        StoreRow(a70, a71, a72, default, o + 7 * k, width);
    }

    /// <summary>Four rows × <paramref name="width"/> (≤ 32) columns of the output.</summary>
    private static void Tile4(float* m0, int c, float* b, int k, int width, float* o)
    {
        float* m1 = m0 + c, m2 = m1 + c, m3 = m2 + c;
        int vectors = (width + W - 1) / W;
        Vector256<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector256<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector256<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector256<float> a30 = default, a31 = default, a32 = default, a33 = default;
        if (vectors < 3)
        {
            // One or two vectors wide: load only what the row has (reads stay within the row plus the padding).
            for (int j = 0; j < c; j++)
            {
                float* f = b + (long)j * k;
                var f0 = Vector256.Load(f);
                var f1 = vectors > 1 ? Vector256.Load(f + W) : default;
                var x = Vector256.Create(m0[j]);
                a00 = Vector256.FusedMultiplyAdd(x, f0, a00); a01 = Vector256.FusedMultiplyAdd(x, f1, a01);
                x = Vector256.Create(m1[j]);
                a10 = Vector256.FusedMultiplyAdd(x, f0, a10); a11 = Vector256.FusedMultiplyAdd(x, f1, a11);
                x = Vector256.Create(m2[j]);
                a20 = Vector256.FusedMultiplyAdd(x, f0, a20); a21 = Vector256.FusedMultiplyAdd(x, f1, a21);
                x = Vector256.Create(m3[j]);
                a30 = Vector256.FusedMultiplyAdd(x, f0, a30); a31 = Vector256.FusedMultiplyAdd(x, f1, a31);
            }
        }
        else if (vectors == 3)
        {
            for (int j = 0; j < c; j++)
            {
                float* f = b + (long)j * k;
                var f0 = Vector256.Load(f);
                var f1 = Vector256.Load(f + W);
                var f2 = Vector256.Load(f + 2 * W);
                var x = Vector256.Create(m0[j]);
                a00 = Vector256.FusedMultiplyAdd(x, f0, a00); a01 = Vector256.FusedMultiplyAdd(x, f1, a01); a02 = Vector256.FusedMultiplyAdd(x, f2, a02);
                x = Vector256.Create(m1[j]);
                a10 = Vector256.FusedMultiplyAdd(x, f0, a10); a11 = Vector256.FusedMultiplyAdd(x, f1, a11); a12 = Vector256.FusedMultiplyAdd(x, f2, a12);
                x = Vector256.Create(m2[j]);
                a20 = Vector256.FusedMultiplyAdd(x, f0, a20); a21 = Vector256.FusedMultiplyAdd(x, f1, a21); a22 = Vector256.FusedMultiplyAdd(x, f2, a22);
                x = Vector256.Create(m3[j]);
                a30 = Vector256.FusedMultiplyAdd(x, f0, a30); a31 = Vector256.FusedMultiplyAdd(x, f1, a31); a32 = Vector256.FusedMultiplyAdd(x, f2, a32);
            }
        }
        else
        {
            for (int j = 0; j < c; j++)
            {
                float* f = b + (long)j * k;
                var f0 = Vector256.Load(f);
                var f1 = Vector256.Load(f + W);
                var f2 = Vector256.Load(f + 2 * W);
                var f3 = Vector256.Load(f + 3 * W);
                var x = Vector256.Create(m0[j]);
                a00 = Vector256.FusedMultiplyAdd(x, f0, a00); a01 = Vector256.FusedMultiplyAdd(x, f1, a01); a02 = Vector256.FusedMultiplyAdd(x, f2, a02); a03 = Vector256.FusedMultiplyAdd(x, f3, a03);
                x = Vector256.Create(m1[j]);
                a10 = Vector256.FusedMultiplyAdd(x, f0, a10); a11 = Vector256.FusedMultiplyAdd(x, f1, a11); a12 = Vector256.FusedMultiplyAdd(x, f2, a12); a13 = Vector256.FusedMultiplyAdd(x, f3, a13);
                x = Vector256.Create(m2[j]);
                a20 = Vector256.FusedMultiplyAdd(x, f0, a20); a21 = Vector256.FusedMultiplyAdd(x, f1, a21); a22 = Vector256.FusedMultiplyAdd(x, f2, a22); a23 = Vector256.FusedMultiplyAdd(x, f3, a23);
                x = Vector256.Create(m3[j]);
                a30 = Vector256.FusedMultiplyAdd(x, f0, a30); a31 = Vector256.FusedMultiplyAdd(x, f1, a31); a32 = Vector256.FusedMultiplyAdd(x, f2, a32); a33 = Vector256.FusedMultiplyAdd(x, f3, a33);
            }
        }
        StoreRow(a00, a01, a02, a03, o, width);
        StoreRow(a10, a11, a12, a13, o + k, width);
        StoreRow(a20, a21, a22, a23, o + 2 * k, width);
        StoreRow(a30, a31, a32, a33, o + 3 * k, width);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(Vector256<float> v0, Vector256<float> v1, Vector256<float> v2, Vector256<float> v3, float* o, int width)
    {
        GatherKernels.StorePrefix(v0, o, width);
        GatherKernels.StorePrefix(v1, o + W, width - W);
        GatherKernels.StorePrefix(v2, o + 2 * W, width - 2 * W);
        GatherKernels.StorePrefix(v3, o + 3 * W, width - 3 * W);
    }
}
