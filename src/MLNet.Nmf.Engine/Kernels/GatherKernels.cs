using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MLNet.Nmf.Engine.Kernels;

/// <summary>
/// The body of <see cref="VectorKernels.SparseRowTimesFactor"/> and <see cref="VectorKernels.SparseRowTimesFactorAccumulate"/>:
/// one sparse row times a padded row-major factor, output[t] = fma-chain over p of values[p] · factor[indices[p] · k + t].
/// </summary>
/// <remarks>
/// The output is produced in chunks of up to 16 vectors (128 columns), one accumulator register per vector, so a row
/// of the factor up to k = 128 is gathered once per stored value in one pass (32 vector registers with AVX-512; the
/// JIT spills nothing at 16 accumulators). Each output lane is one FMA chain over the stored values in order, as in
/// the scalar reference, so the chunk width never changes a bit. The width is a generic constant (<see cref="IWidth"/>):
/// the JIT compiles one loop per width with the unused accumulators removed.
/// </remarks>
internal static unsafe class GatherKernels
{
    private const int W = 8; // floats per Vector256

    /// <summary>Columns per chunk: 16 vectors.</summary>
    public const int ChunkColumns = 16 * W;

    /// <summary>A compile-time vector count.</summary>
    public interface IWidth
    {
        static abstract int Vectors { get; }
    }

    /// <summary>Starts the accumulators from zero (false) or from the output (true).</summary>
    public interface IStart
    {
        static abstract bool FromOutput { get; }
    }

    public struct Zero : IStart { public static bool FromOutput => false; }
    public struct Output : IStart { public static bool FromOutput => true; }

    public struct V1 : IWidth { public static int Vectors => 1; }
    public struct V2 : IWidth { public static int Vectors => 2; }
    public struct V3 : IWidth { public static int Vectors => 3; }
    public struct V4 : IWidth { public static int Vectors => 4; }
    public struct V5 : IWidth { public static int Vectors => 5; }
    public struct V6 : IWidth { public static int Vectors => 6; }
    public struct V7 : IWidth { public static int Vectors => 7; }
    public struct V8 : IWidth { public static int Vectors => 8; }
    public struct V9 : IWidth { public static int Vectors => 9; }
    public struct V10 : IWidth { public static int Vectors => 10; }
    public struct V11 : IWidth { public static int Vectors => 11; }
    public struct V12 : IWidth { public static int Vectors => 12; }
    public struct V13 : IWidth { public static int Vectors => 13; }
    public struct V14 : IWidth { public static int Vectors => 14; }
    public struct V15 : IWidth { public static int Vectors => 15; }
    public struct V16 : IWidth { public static int Vectors => 16; }

    /// <summary>The whole row: chunks of up to 128 columns, each in one pass over the stored values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Row<TStart>(int* indices, float* values, int count, float* factor, int k, float* output)
        where TStart : struct, IStart
    {
        for (int t0 = 0; t0 < k; t0 += ChunkColumns)
        {
            int width = Math.Min(ChunkColumns, k - t0);
            float* b = factor + t0;
            float* o = output + t0;
            if (width > W && width <= 2 * W && Avx512F.IsSupported)
            {
                Chunk16<TStart>(indices, values, count, b, k, o, width);
                continue;
            }
            switch ((width + W - 1) / W)
            {
                case 1: Chunk<V1, TStart>(indices, values, count, b, k, o, width); break;
                case 2: Chunk<V2, TStart>(indices, values, count, b, k, o, width); break;
                case 3: Chunk<V3, TStart>(indices, values, count, b, k, o, width); break;
                case 4: Chunk<V4, TStart>(indices, values, count, b, k, o, width); break;
                case 5: Chunk<V5, TStart>(indices, values, count, b, k, o, width); break;
                case 6: Chunk<V6, TStart>(indices, values, count, b, k, o, width); break;
                case 7: Chunk<V7, TStart>(indices, values, count, b, k, o, width); break;
                case 8: Chunk<V8, TStart>(indices, values, count, b, k, o, width); break;
                case 9: Chunk<V9, TStart>(indices, values, count, b, k, o, width); break;
                case 10: Chunk<V10, TStart>(indices, values, count, b, k, o, width); break;
                case 11: Chunk<V11, TStart>(indices, values, count, b, k, o, width); break;
                case 12: Chunk<V12, TStart>(indices, values, count, b, k, o, width); break;
                case 13: Chunk<V13, TStart>(indices, values, count, b, k, o, width); break;
                case 14: Chunk<V14, TStart>(indices, values, count, b, k, o, width); break;
                case 15: Chunk<V15, TStart>(indices, values, count, b, k, o, width); break;
                default: Chunk<V16, TStart>(indices, values, count, b, k, o, width); break;
            }
        }
    }

    /// <summary>
    /// Rows [<paramref name="first"/>, <paramref name="end"/>) of a CSR matrix times the factor, row i into
    /// output[i · k ..]: the same bits as <see cref="Row{TStart}"/> row by row, with the choice of kernel made once for
    /// the block rather than once per row (text rows hold a few dozen values, so that choice was a tenth of a row's
    /// time at k = 10).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows(int* ptr, int first, int end, int* indices, float* values, float* factor, int k, float* output)
    {
        if (k > W && k <= 2 * W && Avx512F.IsSupported)
        {
            var mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(k)).AsSingle();
            for (int i = first; i < end; i++)
            {
                Vector512<float> a = default;
                for (int p = ptr[i], stop = ptr[i + 1]; p < stop; p++)
                    a = Vector512.FusedMultiplyAdd(Vector512.Create(values[p]), Vector512.Load(factor + (long)indices[p] * k), a);
                Avx512F.MaskStore(output + (long)i * k, mask, a);
            }
            return;
        }
        switch (k <= ChunkColumns ? (k + W - 1) / W : 0)
        {
            case 1: RowsOf<V1>(ptr, first, end, indices, values, factor, k, output); break;
            case 2: RowsOf<V2>(ptr, first, end, indices, values, factor, k, output); break;
            case 3: RowsOf<V3>(ptr, first, end, indices, values, factor, k, output); break;
            case 4: RowsOf<V4>(ptr, first, end, indices, values, factor, k, output); break;
            case 5: RowsOf<V5>(ptr, first, end, indices, values, factor, k, output); break;
            case 6: RowsOf<V6>(ptr, first, end, indices, values, factor, k, output); break;
            case 7: RowsOf<V7>(ptr, first, end, indices, values, factor, k, output); break;
            case 8: RowsOf<V8>(ptr, first, end, indices, values, factor, k, output); break;
            case 9: RowsOf<V9>(ptr, first, end, indices, values, factor, k, output); break;
            case 10: RowsOf<V10>(ptr, first, end, indices, values, factor, k, output); break;
            case 11: RowsOf<V11>(ptr, first, end, indices, values, factor, k, output); break;
            case 12: RowsOf<V12>(ptr, first, end, indices, values, factor, k, output); break;
            case 13: RowsOf<V13>(ptr, first, end, indices, values, factor, k, output); break;
            case 14: RowsOf<V14>(ptr, first, end, indices, values, factor, k, output); break;
            case 15: RowsOf<V15>(ptr, first, end, indices, values, factor, k, output); break;
            case 16: RowsOf<V16>(ptr, first, end, indices, values, factor, k, output); break;
            default:
                for (int i = first; i < end; i++)
                    Row<Zero>(indices + ptr[i], values + ptr[i], ptr[i + 1] - ptr[i], factor, k, output + (long)i * k);
                break;
        }
    }

    private static void RowsOf<TWidth>(int* ptr, int first, int end, int* indices, float* values, float* factor, int k, float* output)
        where TWidth : struct, IWidth
    {
        for (int i = first; i < end; i++)
            Chunk<TWidth, Zero>(indices + ptr[i], values + ptr[i], ptr[i + 1] - ptr[i], factor, k, output + (long)i * k, k);
    }

    /// <summary><paramref name="width"/> (≤ 8 · TWidth.Vectors) output columns from <paramref name="b"/>'s columns on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Chunk<TWidth, TStart>(int* indices, float* values, int count, float* b, int k, float* o, int width)
        where TWidth : struct, IWidth
        where TStart : struct, IStart
    {
        int n = TWidth.Vectors;
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        Vector256<float> a8 = default, a9 = default, a10 = default, a11 = default, a12 = default, a13 = default, a14 = default, a15 = default;
        if (TStart.FromOutput)
        {
            a0 = LoadPrefix(o, width);
            if (n > 1) a1 = LoadPrefix(o + W, width - W);
            if (n > 2) a2 = LoadPrefix(o + 2 * W, width - 2 * W);
            if (n > 3) a3 = LoadPrefix(o + 3 * W, width - 3 * W);
            if (n > 4) a4 = LoadPrefix(o + 4 * W, width - 4 * W);
            if (n > 5) a5 = LoadPrefix(o + 5 * W, width - 5 * W);
            if (n > 6) a6 = LoadPrefix(o + 6 * W, width - 6 * W);
            if (n > 7) a7 = LoadPrefix(o + 7 * W, width - 7 * W);
            if (n > 8) a8 = LoadPrefix(o + 8 * W, width - 8 * W);
            if (n > 9) a9 = LoadPrefix(o + 9 * W, width - 9 * W);
            if (n > 10) a10 = LoadPrefix(o + 10 * W, width - 10 * W);
            if (n > 11) a11 = LoadPrefix(o + 11 * W, width - 11 * W);
            if (n > 12) a12 = LoadPrefix(o + 12 * W, width - 12 * W);
            if (n > 13) a13 = LoadPrefix(o + 13 * W, width - 13 * W);
            if (n > 14) a14 = LoadPrefix(o + 14 * W, width - 14 * W);
            if (n > 15) a15 = LoadPrefix(o + 15 * W, width - 15 * W);
        }
        for (int p = 0; p < count; p++)
        {
            var x = Vector256.Create(values[p]);
            float* r = b + (long)indices[p] * k;
            a0 = Vector256.FusedMultiplyAdd(x, Vector256.Load(r), a0);
            if (n > 1) a1 = Vector256.FusedMultiplyAdd(x, Vector256.Load(r + W), a1);
            if (n > 2) a2 = Vector256.FusedMultiplyAdd(x, Vector256.Load(r + 2 * W), a2);
            if (n > 3) a3 = Vector256.FusedMultiplyAdd(x, Vector256.Load(r + 3 * W), a3);
            if (n > 4) a4 = Vector256.FusedMultiplyAdd(x, Vector256.Load(r + 4 * W), a4);
            if (n > 5) a5 = Vector256.FusedMultiplyAdd(x, Vector256.Load(r + 5 * W), a5);
            if (n > 6) a6 = Vector256.FusedMultiplyAdd(x, Vector256.Load(r + 6 * W), a6);
            if (n > 7) a7 = Vector256.FusedMultiplyAdd(x, Vector256.Load(r + 7 * W), a7);
            if (n > 8) a8 = Vector256.FusedMultiplyAdd(x, Vector256.Load(r + 8 * W), a8);
            if (n > 9) a9 = Vector256.FusedMultiplyAdd(x, Vector256.Load(r + 9 * W), a9);
            if (n > 10) a10 = Vector256.FusedMultiplyAdd(x, Vector256.Load(r + 10 * W), a10);
            if (n > 11) a11 = Vector256.FusedMultiplyAdd(x, Vector256.Load(r + 11 * W), a11);
            if (n > 12) a12 = Vector256.FusedMultiplyAdd(x, Vector256.Load(r + 12 * W), a12);
            if (n > 13) a13 = Vector256.FusedMultiplyAdd(x, Vector256.Load(r + 13 * W), a13);
            if (n > 14) a14 = Vector256.FusedMultiplyAdd(x, Vector256.Load(r + 14 * W), a14);
            if (n > 15) a15 = Vector256.FusedMultiplyAdd(x, Vector256.Load(r + 15 * W), a15);
        }
        StorePrefix(a0, o, width);
        if (n > 1) StorePrefix(a1, o + W, width - W);
        if (n > 2) StorePrefix(a2, o + 2 * W, width - 2 * W);
        if (n > 3) StorePrefix(a3, o + 3 * W, width - 3 * W);
        if (n > 4) StorePrefix(a4, o + 4 * W, width - 4 * W);
        if (n > 5) StorePrefix(a5, o + 5 * W, width - 5 * W);
        if (n > 6) StorePrefix(a6, o + 6 * W, width - 6 * W);
        if (n > 7) StorePrefix(a7, o + 7 * W, width - 7 * W);
        if (n > 8) StorePrefix(a8, o + 8 * W, width - 8 * W);
        if (n > 9) StorePrefix(a9, o + 9 * W, width - 9 * W);
        if (n > 10) StorePrefix(a10, o + 10 * W, width - 10 * W);
        if (n > 11) StorePrefix(a11, o + 11 * W, width - 11 * W);
        if (n > 12) StorePrefix(a12, o + 12 * W, width - 12 * W);
        if (n > 13) StorePrefix(a13, o + 13 * W, width - 13 * W);
        if (n > 14) StorePrefix(a14, o + 14 * W, width - 14 * W);
        if (n > 15) StorePrefix(a15, o + 15 * W, width - 15 * W);
    }

    /// <summary>
    /// 9 to 16 output columns in one 512-bit accumulator: one load and one FMA per stored value instead of two of each
    /// (a single-thread benchmark at k = 10: 0.78× the time on the text matrix, 0.94× on its transpose). Each lane is
    /// the same FMA chain as in <see cref="Chunk{TWidth, TStart}"/>, so the results are the same bits. The load reads 16
    /// floats from a row's start, as the two-vector chunk does: at most 7 past the factor's last row, inside
    /// <see cref="FactorLayout.Padding"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Chunk16<TStart>(int* indices, float* values, int count, float* b, int k, float* o, int width)
        where TStart : struct, IStart
    {
        var mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(width)).AsSingle();
        Vector512<float> a = default;
        if (TStart.FromOutput)
            a = Vector512.Create(Vector256.Load(o), LoadPrefix(o + W, width - W));
        for (int p = 0; p < count; p++)
            a = Vector512.FusedMultiplyAdd(Vector512.Create(values[p]), Vector512.Load(b + (long)indices[p] * k), a);
        Avx512F.MaskStore(o, mask, a);
    }

    /// <summary>Reads the first <paramref name="count"/> lanes (0..8), the others zero; never reads past them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> LoadPrefix(float* source, int count)
    {
        if (count >= W)
            return Vector256.Load(source);
        if (count <= 0)
            return default;
        float* tmp = stackalloc float[W];
        for (int i = 0; i < W; i++)
            tmp[i] = i < count ? source[i] : 0f;
        return Vector256.Load(tmp);
    }

    /// <summary>Writes the first <paramref name="count"/> lanes (0..8; fewer than 1 writes nothing).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void StorePrefix(Vector256<float> v, float* destination, int count)
    {
        if (count >= W)
        {
            v.Store(destination);
        }
        else if (count > 0)
        {
            float* tmp = stackalloc float[W];
            v.Store(tmp);
            for (int i = 0; i < count; i++)
                destination[i] = tmp[i];
        }
    }
}
