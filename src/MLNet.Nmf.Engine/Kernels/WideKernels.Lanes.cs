using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MLNet.Nmf.Engine.Kernels;

/// <summary>
/// The lane copies of the 16-lane sweeps: rows of a factor into vectors of 16 lanes (lane r = row r) and back, by 8 x 8
/// transposes. Copies only, no arithmetic, so they never change a bit of the sweeps' results.
/// </summary>
internal static unsafe partial class WideKernels
{
    /// <summary>Copies up to 16 rows of a k-wide factor into k vectors of 16 lanes (lane r = row r); missing rows are 0.</summary>
    /// <remarks>
    /// Full groups of eight rows go through 8 x 8 transposes (AVX), the last k mod 8 columns through one with masked
    /// loads (AVX-512VL: nothing past a row's end is read); the rest element by element. A copy: no arithmetic.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ToLanes(float* rows, int count, int k, float* lanes)
    {
        int tiled = Avx.IsSupported ? k & ~7 : 0;
        int fullGroups = Math.Min(count, L) & ~7;
        int vectorized = Avx512F.VL.IsSupported ? k : tiled; // columns the full groups copy with vectors
        for (int r0 = 0; r0 < fullGroups; r0 += 8)
        {
            for (int t0 = 0; t0 < tiled; t0 += 8)
                Transpose8x8(rows + (long)r0 * k + t0, k, lanes + t0 * L + r0, L);
            if (vectorized > tiled)
                TailToLanes(rows + (long)r0 * k + tiled, k, k - tiled, lanes + tiled * L + r0);
        }
        for (int t = 0; t < k; t++)
        {
            float* l = lanes + t * L;
            for (int r = t < vectorized ? fullGroups : 0; r < L; r++)
                l[r] = r < count ? rows[(long)r * k + t] : 0f;
        }
    }

    /// <summary>The inverse of <see cref="ToLanes"/> for the first <paramref name="count"/> rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FromLanes(float* lanes, int count, int k, float* rows)
    {
        int tiled = Avx.IsSupported ? k & ~7 : 0;
        int fullGroups = Math.Min(count, L) & ~7;
        int vectorized = Avx512F.VL.IsSupported ? k : tiled;
        for (int r0 = 0; r0 < fullGroups; r0 += 8)
        {
            for (int t0 = 0; t0 < tiled; t0 += 8)
                Transpose8x8(lanes + t0 * L + r0, L, rows + (long)r0 * k + t0, k);
            if (vectorized > tiled)
                TailFromLanes(lanes + tiled * L + r0, k - tiled, rows + (long)r0 * k + tiled, k);
        }
        for (int t = 0; t < k; t++)
            for (int r = t < vectorized ? fullGroups : 0; r < count; r++)
                rows[(long)r * k + t] = lanes[t * L + r];
    }

    /// <summary>
    /// The last <paramref name="width"/> (1..7) columns of eight rows into <paramref name="width"/> lane vectors (eight
    /// lanes each, stride <see cref="L"/>): masked loads of the rows, one 8 x 8 transpose, the first stores.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TailToLanes(float* source, nint stride, int width, float* destination)
    {
        var mask = Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(width)).AsSingle();
        var zero = Vector256<float>.Zero;
        Transpose(
            Avx512F.VL.MaskLoad(source, mask, zero), Avx512F.VL.MaskLoad(source + stride, mask, zero),
            Avx512F.VL.MaskLoad(source + 2 * stride, mask, zero), Avx512F.VL.MaskLoad(source + 3 * stride, mask, zero),
            Avx512F.VL.MaskLoad(source + 4 * stride, mask, zero), Avx512F.VL.MaskLoad(source + 5 * stride, mask, zero),
            Avx512F.VL.MaskLoad(source + 6 * stride, mask, zero), Avx512F.VL.MaskLoad(source + 7 * stride, mask, zero),
            out var c0, out var c1, out var c2, out var c3, out var c4, out var c5, out var c6, out var c7);
        Avx.Store(destination, c0);
        if (width > 1) Avx.Store(destination + L, c1);
        if (width > 2) Avx.Store(destination + 2 * L, c2);
        if (width > 3) Avx.Store(destination + 3 * L, c3);
        if (width > 4) Avx.Store(destination + 4 * L, c4);
        if (width > 5) Avx.Store(destination + 5 * L, c5);
        if (width > 6) Avx.Store(destination + 6 * L, c6);
    }

    /// <summary>The inverse of <see cref="TailToLanes"/>: <paramref name="width"/> lane vectors into the last columns of eight rows (masked stores).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TailFromLanes(float* source, int width, float* destination, nint stride)
    {
        var zero = Vector256<float>.Zero;
        Transpose(
            Avx.LoadVector256(source), width > 1 ? Avx.LoadVector256(source + L) : zero,
            width > 2 ? Avx.LoadVector256(source + 2 * L) : zero, width > 3 ? Avx.LoadVector256(source + 3 * L) : zero,
            width > 4 ? Avx.LoadVector256(source + 4 * L) : zero, width > 5 ? Avx.LoadVector256(source + 5 * L) : zero,
            width > 6 ? Avx.LoadVector256(source + 6 * L) : zero, zero,
            out var r0, out var r1, out var r2, out var r3, out var r4, out var r5, out var r6, out var r7);
        var mask = Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(width)).AsSingle();
        Avx512F.VL.MaskStore(destination, mask, r0);
        Avx512F.VL.MaskStore(destination + stride, mask, r1);
        Avx512F.VL.MaskStore(destination + 2 * stride, mask, r2);
        Avx512F.VL.MaskStore(destination + 3 * stride, mask, r3);
        Avx512F.VL.MaskStore(destination + 4 * stride, mask, r4);
        Avx512F.VL.MaskStore(destination + 5 * stride, mask, r5);
        Avx512F.VL.MaskStore(destination + 6 * stride, mask, r6);
        Avx512F.VL.MaskStore(destination + 7 * stride, mask, r7);
    }

    /// <summary>destination[j · dstStride + i] = source[i · srcStride + j] for i, j in [0, 8): eight loads, 24 shuffles, eight stores.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* source, nint srcStride, float* destination, nint dstStride)
    {
        Transpose(
            Avx.LoadVector256(source), Avx.LoadVector256(source + srcStride), Avx.LoadVector256(source + 2 * srcStride),
            Avx.LoadVector256(source + 3 * srcStride), Avx.LoadVector256(source + 4 * srcStride), Avx.LoadVector256(source + 5 * srcStride),
            Avx.LoadVector256(source + 6 * srcStride), Avx.LoadVector256(source + 7 * srcStride),
            out var c0, out var c1, out var c2, out var c3, out var c4, out var c5, out var c6, out var c7);
        Avx.Store(destination, c0);
        Avx.Store(destination + dstStride, c1);
        Avx.Store(destination + 2 * dstStride, c2);
        Avx.Store(destination + 3 * dstStride, c3);
        Avx.Store(destination + 4 * dstStride, c4);
        Avx.Store(destination + 5 * dstStride, c5);
        Avx.Store(destination + 6 * dstStride, c6);
        Avx.Store(destination + 7 * dstStride, c7);
    }

    /// <summary>The 8 x 8 transpose of the rows r0..r7 in registers (c_j lane i = r_i lane j): 24 shuffles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose(Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3,
        Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7,
        out Vector256<float> c0, out Vector256<float> c1, out Vector256<float> c2, out Vector256<float> c3,
        out Vector256<float> c4, out Vector256<float> c5, out Vector256<float> c6, out Vector256<float> c7)
    {
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44);
        var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44);
        var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44);
        var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44);
        var u7 = Avx.Shuffle(t5, t7, 0xEE);
        c0 = Avx.Permute2x128(u0, u4, 0x20);
        c1 = Avx.Permute2x128(u1, u5, 0x20);
        c2 = Avx.Permute2x128(u2, u6, 0x20);
        c3 = Avx.Permute2x128(u3, u7, 0x20);
        c4 = Avx.Permute2x128(u0, u4, 0x31);
        c5 = Avx.Permute2x128(u1, u5, 0x31);
        c6 = Avx.Permute2x128(u2, u6, 0x31);
        c7 = Avx.Permute2x128(u3, u7, 0x31);
    }
}
