using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MLNet.Nmf.Engine.Kernels;

/// <summary>
/// The SIMD twin of <see cref="MaskedKernels.Sweep"/>: eight rows at once, one per Vector256 lane, each with its own
/// Gram matrix (lane-interleaved: entry (t, u) of lane r at <c>gram[(t * k + u) * 8 + r]</c>). Per lane the arithmetic is
/// <see cref="MaskedKernels.Sweep"/>'s, operation for operation, so a lane's row comes out bit-identical to the scalar sweep.
/// </summary>
internal static unsafe class MaskedVectorKernels
{
    private const int W = 8;

    /// <summary>
    /// Up to <paramref name="sweeps"/> sweeps over the rows in lanes (see <see cref="VectorKernels.ToLanes"/>), stopping once a
    /// sweep moves them by at most 10 % (in norm) of the first, as <see cref="VectorKernels.CoordinateSweep8"/> does. Returns the
    /// first sweep's Σ|projected gradient| over the first <paramref name="count"/> lanes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Sweeps8(float* a, float* p, float* gram, float l1, int k, int* order, int count, int sweeps)
    {
        double first = Sweep8(a, p, gram, l1, k, order, count, out double firstChange);
        for (int sweep = 1; sweep < sweeps; sweep++)
        {
            Sweep8(a, p, gram, l1, k, order, count, out double change);
            if (change <= VectorKernels.InnerStopSquared * firstChange)
                break;
        }
        return first;
    }

    /// <summary>One sweep of <see cref="MaskedKernels.Sweep"/> in every lane; returns Σ|projected gradient| of the live lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Sweep8(float* a, float* p, float* gram, float l1, int k, int* order, int count, out double change)
    {
        var live = Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(count)).AsSingle();
        var l1v = Vector256.Create(l1);
        var zero = Vector256<float>.Zero;
        double violation = 0, moved = 0;
        for (int s = 0; s < k; s++)
        {
            int t = order[s];
            float* g = gram + (long)t * k * W;
            Vector256<float> g0 = zero, g1 = zero, g2 = zero, g3 = zero;
            int u = 0;
            for (; u + 4 <= k; u += 4)
            {
                g0 = Vector256.FusedMultiplyAdd(Vector256.Load(g + u * W), Vector256.Load(a + u * W), g0);
                g1 = Vector256.FusedMultiplyAdd(Vector256.Load(g + (u + 1) * W), Vector256.Load(a + (u + 1) * W), g1);
                g2 = Vector256.FusedMultiplyAdd(Vector256.Load(g + (u + 2) * W), Vector256.Load(a + (u + 2) * W), g2);
                g3 = Vector256.FusedMultiplyAdd(Vector256.Load(g + (u + 3) * W), Vector256.Load(a + (u + 3) * W), g3);
            }
            for (; u < k; u++)
                g0 = Vector256.FusedMultiplyAdd(Vector256.Load(g + u * W), Vector256.Load(a + u * W), g0);
            var grad = ((g0 + g1) + (g2 + g3)) + (l1v - Vector256.Load(p + t * W));
            var current = Vector256.Load(a + t * W);
            var hess = Vector256.Load(g + t * W);
            var positive = Vector256.GreaterThan(hess, zero);
            var next = Vector256.ConditionalSelect(positive, Vector256.Max(current - grad / hess, zero), zero);
            var projected = Vector256.ConditionalSelect(Vector256.Equals(current, zero), Vector256.Min(grad, zero), grad);
            var counted = Vector256.ConditionalSelect(positive & live, Vector256.Abs(projected), zero);
            var step = Vector256.ConditionalSelect(live, next - current, zero);
            for (int r = 0; r < count; r++)
            {
                violation += counted.GetElement(r);
                moved += (double)step.GetElement(r) * step.GetElement(r);
            }
            next.Store(a + t * W);
        }
        change = moved;
        return violation;
    }
}
