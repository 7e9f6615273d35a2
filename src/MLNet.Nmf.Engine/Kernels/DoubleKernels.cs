using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MLNet.Nmf.Engine.Kernels;

/// <summary>
/// Double-precision kernels of the final error evaluation (Vector256 of double). Their plain references are in
/// <see cref="ScalarKernels"/>: <see cref="AccumulateGramUpper"/> adds in the reference's order (bit-identical);
/// <see cref="GatherRowDotsDouble"/> sums each dot product in four lanes, so it differs from the sequential
/// reference by rounding only (products of two floats are exact in double); <see cref="ElementwiseDot"/> sums in
/// 16 lanes in the order of its lane-order reference (bit-identical).
/// </summary>
internal static unsafe class DoubleKernels
{
    private const int D = 4; // doubles per Vector256

    /// <summary>
    /// output[p] = Σ_t w[t] · factor[indices[p] · k + t] in double, for a row <paramref name="w"/> already widened to
    /// double and padded with zeros to a multiple of 8 (the factor may be read up to 7 floats past a row's end).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GatherRowDotsDouble(double* w, int* indices, int count, float* factor, int k, double* output)
    {
        int vectors = (k + 7) / 8;
        for (int p = 0; p < count; p++)
        {
            float* r = factor + (long)indices[p] * k;
            Vector256<double> a0 = default, a1 = default;
            for (int v = 0; v < vectors; v++)
            {
                var (low, high) = Vector256.Widen(Vector256.Load(r + v * 8));
                a0 = Vector256.FusedMultiplyAdd(Vector256.Load(w + v * 8), low, a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.Load(w + v * 8 + D), high, a1);
            }
            output[p] = Vector256.Sum(a0 + a1);
        }
    }

    /// <summary>
    /// gram[s · k + t] += Σ_i a[i · k + s] · a[i · k + t] in double for t ≥ s (and a few t &lt; s, which the caller
    /// overwrites), each entry's products added row by row with a multiply and an add, as the scalar reference.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateGramUpper(float* a, int rows, int k, double* gram)
    {
        // One row widened to double once, so the inner loop is a load, a multiply and an add per four entries.
        var buffer = new double[k];
        fixed (double* wide = buffer)
        for (int i = 0; i < rows; i++)
        {
            float* row = a + (long)i * k;
            for (int t = 0; t < k; t++)
                wide[t] = row[t];
            for (int s = 0; s < k; s++)
            {
                var v = Vector256.Create(wide[s]);
                double* g = gram + (long)s * k;
                int t = s & ~(D - 1);
                for (; t + D <= k; t += D)
                    (Vector256.Load(g + t) + v * Vector256.Load(wide + t)).Store(g + t);
                for (; t < k; t++)
                    g[t] += wide[s] * wide[t];
            }
        }
    }

    /// <summary>Lanes of <see cref="ElementwiseDot"/>: four Vector256 of double.</summary>
    public const int DotLanes = 4 * D;

    /// <summary>
    /// Σ a[i] · b[i] over i &lt; <paramref name="count"/> in double: entry i goes to lane i mod 16 (products of two
    /// floats are exact in double, so each lane is a plain double sum in order), the four lane vectors are added as
    /// (v0 + v1) + (v2 + v3) and then their four lanes in order, and the last count mod 16 entries after them in order.
    /// A fixed order, so the result depends on nothing but the inputs; it differs from the sequential sum by rounding only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double ElementwiseDot(float* a, float* b, long count)
    {
        Vector256<double> s0 = default, s1 = default, s2 = default, s3 = default;
        long i = 0;
        for (; i + DotLanes <= count; i += DotLanes)
        {
            var (a0, a1) = Vector256.Widen(Vector256.Load(a + i));
            var (b0, b1) = Vector256.Widen(Vector256.Load(b + i));
            var (a2, a3) = Vector256.Widen(Vector256.Load(a + i + 8));
            var (b2, b3) = Vector256.Widen(Vector256.Load(b + i + 8));
            s0 = Vector256.FusedMultiplyAdd(a0, b0, s0);
            s1 = Vector256.FusedMultiplyAdd(a1, b1, s1);
            s2 = Vector256.FusedMultiplyAdd(a2, b2, s2);
            s3 = Vector256.FusedMultiplyAdd(a3, b3, s3);
        }
        var lanes = (s0 + s1) + (s2 + s3);
        double sum = ((lanes.GetElement(0) + lanes.GetElement(1)) + lanes.GetElement(2)) + lanes.GetElement(3);
        for (; i < count; i++)
            sum += (double)a[i] * b[i];
        return sum;
    }
}
