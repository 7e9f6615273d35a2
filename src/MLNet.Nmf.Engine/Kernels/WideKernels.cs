using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MLNet.Nmf.Engine.Kernels;

/// <summary>
/// The HALS sweep of <see cref="VectorKernels.CoordinateSweep8"/> on two groups of eight rows at once, in the 16
/// lanes of a Vector512 (lanes 0–7: group A, 8–15: group B). Every lane does exactly the arithmetic of the 8-lane
/// kernel and each group keeps its own inner stopping rule, so the results are bit-identical to two calls of
/// <see cref="VectorKernels.CoordinateSweep8"/>; the gain is twice the independent work per FMA chain (the sweep is
/// latency-bound at small k) and one broadcast of a Gram entry per sixteen rows.
/// </summary>
internal static unsafe class WideKernels
{
    private const int L = 16; // lanes

    /// <summary>True when 512-bit vectors are hardware-accelerated (otherwise callers use the 8-lane kernel).</summary>
    public static bool IsSupported => Vector512.IsHardwareAccelerated;

    /// <summary>Copies up to 16 rows of a k-wide factor into k vectors of 16 lanes (lane r = row r); missing rows are 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ToLanes(float* rows, int count, int k, float* lanes)
    {
        for (int t = 0; t < k; t++)
        {
            float* l = lanes + t * L;
            for (int r = 0; r < L; r++)
                l[r] = r < count ? rows[r * k + t] : 0f;
        }
    }

    /// <summary>The inverse of <see cref="ToLanes"/> for the first <paramref name="count"/> rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FromLanes(float* lanes, int count, int k, float* rows)
    {
        for (int t = 0; t < k; t++)
            for (int r = 0; r < count; r++)
                rows[r * k + t] = lanes[t * L + r];
    }

    /// <summary>
    /// Up to <paramref name="sweeps"/> sweeps over 16 rows in lanes: <paramref name="count"/> rows are live (9..16).
    /// Returns the first sweep's Σ|projected gradient| of group A and of group B, each as
    /// <see cref="VectorKernels.CoordinateSweep8"/> returns it.
    /// </summary>
    /// <remarks>With <paramref name="executed"/>, writes the sweeps each group ran (two ints).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (double A, double B) CoordinateSweep16(float* a, float* p, float* gram, float l1, int k, int* order, int count, int sweeps, int* executed = null)
    {
        int runA = 1, runB = 1;
        var live = Vector512.LessThan(Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), Vector512.Create(count)).AsSingle();
        var all = Vector512<float>.AllBitsSet;
        var (firstA, firstB) = Once(a, p, gram, l1, k, order, live, all, out double firstChangeA, out double firstChangeB);
        bool activeA = true, activeB = true;
        for (int sweep = 1; sweep < sweeps && (activeA || activeB); sweep++)
        {
            var active = Vector512.Create(activeA ? Vector256<float>.AllBitsSet : Vector256<float>.Zero, activeB ? Vector256<float>.AllBitsSet : Vector256<float>.Zero);
            Once(a, p, gram, l1, k, order, live, active, out double changeA, out double changeB);
            runA += activeA ? 1 : 0;
            runB += activeB ? 1 : 0;
            // Each group stops after the sweep that moved it by at most 1e-4 of its first sweep, as the 8-lane kernel.
            if (activeA && changeA <= 1e-4 * firstChangeA)
                activeA = false;
            if (activeB && changeB <= 1e-4 * firstChangeB)
                activeB = false;
        }
        if (executed != null)
        {
            executed[0] = runA;
            executed[1] = runB;
        }
        return (firstA, firstB);
    }

    private static (double A, double B) Once(float* a, float* p, float* gram, float l1, int k, int* order, Vector512<float> live, Vector512<float> active,
        out double changeA, out double changeB)
    {
        var violation = Vector512<float>.Zero;
        var moved = Vector512<float>.Zero;
        var l1v = Vector512.Create(l1);
        for (int s = 0; s < k; s++)
        {
            int t = order[s];
            float* g = gram + t * k;
            Vector512<float> g0 = default, g1 = default, g2 = default, g3 = default;
            int u = 0;
            for (; u + 4 <= k; u += 4)
            {
                g0 = Vector512.FusedMultiplyAdd(Vector512.Create(g[u]), Vector512.Load(a + u * L), g0);
                g1 = Vector512.FusedMultiplyAdd(Vector512.Create(g[u + 1]), Vector512.Load(a + (u + 1) * L), g1);
                g2 = Vector512.FusedMultiplyAdd(Vector512.Create(g[u + 2]), Vector512.Load(a + (u + 2) * L), g2);
                g3 = Vector512.FusedMultiplyAdd(Vector512.Create(g[u + 3]), Vector512.Load(a + (u + 3) * L), g3);
            }
            for (; u < k; u++)
                g0 = Vector512.FusedMultiplyAdd(Vector512.Create(g[u]), Vector512.Load(a + u * L), g0);
            var grad = ((g0 + g1) + (g2 + g3)) + (l1v - Vector512.Load(p + t * L));
            var current = Vector512.Load(a + t * L);
            var projected = Vector512.ConditionalSelect(Vector512.Equals(current, Vector512<float>.Zero), Vector512.Min(grad, Vector512<float>.Zero), grad);
            violation += Vector512.Abs(projected) & live;
            float hess = g[t];
            if (hess != 0f)
            {
                var next = Vector512.Max(current - grad / Vector512.Create(hess), Vector512<float>.Zero);
                var delta = (next - current) & live;
                moved = Vector512.FusedMultiplyAdd(delta, delta, moved);
                Vector512.ConditionalSelect(active, next, current).Store(a + t * L);
            }
        }
        changeA = Vector256.Sum(moved.GetLower());
        changeB = Vector256.Sum(moved.GetUpper());
        return (Vector256.Sum(violation.GetLower()), Vector256.Sum(violation.GetUpper()));
    }
}
