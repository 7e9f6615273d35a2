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
    /// order, a_t ← max(0, a_t − (Σ_u G[t,u] a_u + l1 − p_t) / G[t,t]) (when G[t,t] = 0: 0 if the gradient is positive, else
    /// kept; a projection starts at 0, so such a coordinate stays 0 either way), the sum taken as
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
            var next = hess != 0f ? Vector256.Max(current - grad / Vector256.Create(hess), Vector256<float>.Zero) : ZeroCurvature(current, grad);
            Vector256.ConditionalSelect(active, next, current).Store(a + t * W);
        }
    }

    /// <summary>
    /// <see cref="Sweep8"/> on two groups of eight rows (each in its own lanes array) in the same coordinate loop, so
    /// their latency chains overlap; lane for lane the same arithmetic, so the same bits as two calls.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sweep8x2(float* a0, float* p0, float* a1, float* p1, float* gram, float l1, int k, int* order,
        Vector256<float> active0, Vector256<float> active1)
    {
        var l1v = Vector256.Create(l1);
        nint d = (nint)(a1 - a0);
        for (int s = 0; s < k; s++)
        {
            int t = order[s];
            float* g = gram + t * k;
            float hess = g[t];
            Vector256<float> x0 = default, x1 = default, x2 = default, x3 = default;
            Vector256<float> y0 = default, y1 = default, y2 = default, y3 = default;
            float* x = a0, gu = g, gEnd = g + (k & ~3);
            for (; gu < gEnd; gu += 4, x += 4 * W)
            {
                var b0 = Vector256.Create(gu[0]);
                x0 = Vector256.FusedMultiplyAdd(b0, Vector256.Load(x), x0);
                y0 = Vector256.FusedMultiplyAdd(b0, Vector256.Load(x + d), y0);
                var b1 = Vector256.Create(gu[1]);
                x1 = Vector256.FusedMultiplyAdd(b1, Vector256.Load(x + W), x1);
                y1 = Vector256.FusedMultiplyAdd(b1, Vector256.Load(x + d + W), y1);
                var b2 = Vector256.Create(gu[2]);
                x2 = Vector256.FusedMultiplyAdd(b2, Vector256.Load(x + 2 * W), x2);
                y2 = Vector256.FusedMultiplyAdd(b2, Vector256.Load(x + d + 2 * W), y2);
                var b3 = Vector256.Create(gu[3]);
                x3 = Vector256.FusedMultiplyAdd(b3, Vector256.Load(x + 3 * W), x3);
                y3 = Vector256.FusedMultiplyAdd(b3, Vector256.Load(x + d + 3 * W), y3);
            }
            for (gEnd = g + k; gu < gEnd; gu++, x += W)
            {
                var b = Vector256.Create(gu[0]);
                x0 = Vector256.FusedMultiplyAdd(b, Vector256.Load(x), x0);
                y0 = Vector256.FusedMultiplyAdd(b, Vector256.Load(x + d), y0);
            }
            var grad0 = ((x0 + x1) + (x2 + x3)) + (l1v - Vector256.Load(p0 + t * W));
            var grad1 = ((y0 + y1) + (y2 + y3)) + (l1v - Vector256.Load(p1 + t * W));
            var current0 = Vector256.Load(a0 + t * W);
            var current1 = Vector256.Load(a1 + t * W);
            Vector256<float> next0, next1;
            if (hess != 0f)
            {
                var h = Vector256.Create(hess);
                next0 = Vector256.Max(current0 - grad0 / h, Vector256<float>.Zero);
                next1 = Vector256.Max(current1 - grad1 / h, Vector256<float>.Zero);
            }
            else
            {
                next0 = ZeroCurvature(current0, grad0);
                next1 = ZeroCurvature(current1, grad1);
            }
            Vector256.ConditionalSelect(active0, next0, current0).Store(a0 + t * W);
            Vector256.ConditionalSelect(active1, next1, current1).Store(a1 + t * W);
        }
    }

    /// <summary>The step of a coordinate with G[t,t] = 0: 0 where the gradient is positive, kept elsewhere (as <see cref="ScalarKernels.CoordinateSweep"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ZeroCurvature(Vector256<float> current, Vector256<float> grad) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(grad, Vector256<float>.Zero), Vector256<float>.Zero, current);

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
