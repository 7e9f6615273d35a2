using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MLNet.Nmf.Engine.Kernels;

/// <summary>
/// The batch projection's kernels: eight rows, one per SIMD lane (see <see cref="VectorKernels.ToLanes"/>), each
/// swept until its own stopping rule holds. Lane for lane they do the arithmetic of the one-row path
/// (<see cref="ScalarKernels.CoordinateSweep"/> and the projector's relative-change rule), so a row gets the same
/// bits whether it is projected alone or in a batch of eight.
/// </summary>
internal static unsafe class ProjectionKernels
{
    private const int W = 8; // floats per Vector256

    /// <summary>The lanes 0..count−1 set, as a float mask.</summary>
    public static Vector256<float> FirstLanes(int count) =>
        Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(count)).AsSingle();

    /// <summary>
    /// One HALS sweep over eight rows in lanes, updating only the lanes set in <paramref name="active"/>: for t in
    /// order, a_t ← max(0, a_t − (Σ_u G[t,u] a_u + l1 − p_t) / G[t,t]) (skipped when G[t,t] = 0), the sum taken as
    /// four interleaved partial sums (u mod 4) as <see cref="ScalarKernels.CoordinateSweep"/> does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sweep8(float* a, float* p, float* gram, float l1, int k, int* order, Vector256<float> active)
    {
        var l1v = Vector256.Create(l1);
        for (int s = 0; s < k; s++)
        {
            int t = order[s];
            float* g = gram + t * k;
            float hess = g[t];
            if (hess == 0f)
                continue;
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
            var next = Vector256.Max(current - grad / Vector256.Create(hess), Vector256<float>.Zero);
            Vector256.ConditionalSelect(active, next, current).Store(a + t * W);
        }
    }

    /// <summary>
    /// The lanes of <paramref name="active"/> that have not yet stopped: a lane stops once
    /// Σ_t |a_t − previous_t| ≤ tolerance · Σ_t a_t, both sums in double in the order t = 0..k−1 (the one-row rule).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Vector256<float> StillMoving(float* a, float* previous, int k, double tolerance, Vector256<float> active)
    {
        Vector256<double> changeLow = default, changeHigh = default, sizeLow = default, sizeHigh = default;
        for (int t = 0; t < k; t++)
        {
            var current = Vector256.Load(a + t * W);
            var (dl, dh) = Vector256.Widen(Vector256.Abs(current - Vector256.Load(previous + t * W)));
            var (cl, ch) = Vector256.Widen(current);
            changeLow += dl;
            changeHigh += dh;
            sizeLow += cl;
            sizeHigh += ch;
        }
        var tol = Vector256.Create(tolerance);
        var stoppedLow = Vector256.LessThanOrEqual(changeLow, tol * sizeLow).AsInt64();
        var stoppedHigh = Vector256.LessThanOrEqual(changeHigh, tol * sizeHigh).AsInt64();
        var stopped = Vector256.Narrow(stoppedLow, stoppedHigh).AsSingle();
        return Vector256.AndNot(active, stopped);
    }
}
