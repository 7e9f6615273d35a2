using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MLNet.Nmf.Engine.Kernels;

/// <summary>
/// Double-precision kernels of the final error evaluation (Vector256 of double). Their plain references are in
/// <see cref="ScalarKernels"/>: <see cref="AccumulateGramUpper"/> adds in the reference's order (bit-identical);
/// <see cref="GatherRowDotsDouble"/> sums each dot product in four lanes, so it differs from the sequential
/// reference by rounding only (products of two floats are exact in double).
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
}
