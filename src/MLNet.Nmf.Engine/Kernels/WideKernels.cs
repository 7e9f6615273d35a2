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

    /// <summary>
    /// Up to <paramref name="sweeps"/> sweeps over up to 32 rows as four groups of eight: <paramref name="a"/> and
    /// <paramref name="p"/> each hold two 16-lane blocks of <see cref="ToLanes"/> one after the other (rows 0–15, then
    /// rows 16–31 at offset 16·k); <paramref name="count"/> rows are live (1..32). Both blocks go through the same
    /// coordinate loop, so their FMA chains, divisions and store-to-load round trips overlap (the sweep is
    /// latency-bound at small k) and each Gram entry is broadcast once per 32 rows. Every group keeps its own inner
    /// stopping rule and a block whose two groups have stopped is no longer swept; lane for lane the arithmetic is
    /// that of <see cref="VectorKernels.CoordinateSweep8"/>, so the bits are those of four 8-lane calls.
    /// </summary>
    /// <remarks>
    /// Writes the first sweep's Σ|projected gradient| of each group to <paramref name="violations"/> (four doubles)
    /// and the sweeps each group ran to <paramref name="executed"/> (four ints); a group with no live row reports 0 and 0.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CoordinateSweep32(float* a, float* p, float* gram, float l1, int k, int* order, int count, int sweeps,
        double* violations, int* executed)
    {
        float* a1 = a + k * L, p1 = p + k * L;
        var index = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        var live0 = Vector512.LessThan(index, Vector512.Create(count)).AsSingle();
        var live1 = Vector512.LessThan(index, Vector512.Create(count - L)).AsSingle();
        double* change = stackalloc double[4];
        double* first = stackalloc double[4];
        Once32(a, p, a1, p1, gram, l1, k, order, live0, live1, Vector512<float>.AllBitsSet, Vector512<float>.AllBitsSet, violations, first);
        // A group is active while it has live rows and has not met its stop; it has run one sweep so far.
        bool* active = stackalloc bool[4];
        for (int group = 0; group < 4; group++)
        {
            active[group] = group * 8 < count;
            executed[group] = active[group] ? 1 : 0;
            if (!active[group])
                violations[group] = 0;
        }
        for (int sweep = 1; sweep < sweeps; sweep++)
        {
            bool low = active[0] || active[1], high = active[2] || active[3];
            if (low && high)
                Once32(a, p, a1, p1, gram, l1, k, order, live0, live1, Mask(active[0], active[1]), Mask(active[2], active[3]), null, change);
            else if (low)
                Once(a, p, gram, l1, k, order, live0, Mask(active[0], active[1]), out change[0], out change[1]);
            else if (high)
                Once(a1, p1, gram, l1, k, order, live1, Mask(active[2], active[3]), out change[2], out change[3]);
            else
                break;
            // Each group stops after the sweep that moved it by at most 1e-4 of its first sweep, as the 8-lane kernel.
            for (int group = 0; group < 4; group++)
            {
                if (!active[group])
                    continue;
                executed[group]++;
                if (change[group] <= 1e-4 * first[group])
                    active[group] = false;
            }
        }
    }

    private static Vector512<float> Mask(bool lower, bool upper) =>
        Vector512.Create(lower ? Vector256<float>.AllBitsSet : Vector256<float>.Zero, upper ? Vector256<float>.AllBitsSet : Vector256<float>.Zero);

    /// <summary>
    /// One sweep of <see cref="Once"/> over two 16-lane blocks in the same coordinate loop. Writes each group's
    /// Σ|projected gradient| to <paramref name="violations"/> (when not null) and Σ moved² to <paramref name="changes"/>.
    /// </summary>
    private static void Once32(float* a0, float* p0, float* a1, float* p1, float* gram, float l1, int k, int* order,
        Vector512<float> live0, Vector512<float> live1, Vector512<float> active0, Vector512<float> active1, double* violations, double* changes)
    {
        Vector512<float> violation0 = default, violation1 = default, moved0 = default, moved1 = default;
        nint d = (nint)(a1 - a0);
        var l1v = Vector512.Create(l1);
        for (int s = 0; s < k; s++)
        {
            int t = order[s];
            float* g = gram + t * k;
            // The same four partial sums (u mod 4) in each block as the 8-lane kernel: eight independent FMA chains.
            Vector512<float> x0 = default, x1 = default, x2 = default, x3 = default;
            Vector512<float> y0 = default, y1 = default, y2 = default, y3 = default;
            // Pointers that step (no index arithmetic per load): x walks block 0, x + d is the same row of block 1.
            float* x = a0, gu = g, gEnd = g + (k & ~3);
            for (; gu < gEnd; gu += 4, x += 4 * L)
            {
                var b0 = Vector512.Create(gu[0]);
                x0 = Vector512.FusedMultiplyAdd(b0, Vector512.Load(x), x0);
                y0 = Vector512.FusedMultiplyAdd(b0, Vector512.Load(x + d), y0);
                var b1 = Vector512.Create(gu[1]);
                x1 = Vector512.FusedMultiplyAdd(b1, Vector512.Load(x + L), x1);
                y1 = Vector512.FusedMultiplyAdd(b1, Vector512.Load(x + d + L), y1);
                var b2 = Vector512.Create(gu[2]);
                x2 = Vector512.FusedMultiplyAdd(b2, Vector512.Load(x + 2 * L), x2);
                y2 = Vector512.FusedMultiplyAdd(b2, Vector512.Load(x + d + 2 * L), y2);
                var b3 = Vector512.Create(gu[3]);
                x3 = Vector512.FusedMultiplyAdd(b3, Vector512.Load(x + 3 * L), x3);
                y3 = Vector512.FusedMultiplyAdd(b3, Vector512.Load(x + d + 3 * L), y3);
            }
            for (gEnd = g + k; gu < gEnd; gu++, x += L)
            {
                var b = Vector512.Create(gu[0]);
                x0 = Vector512.FusedMultiplyAdd(b, Vector512.Load(x), x0);
                y0 = Vector512.FusedMultiplyAdd(b, Vector512.Load(x + d), y0);
            }
            var grad0 = ((x0 + x1) + (x2 + x3)) + (l1v - Vector512.Load(p0 + t * L));
            var grad1 = ((y0 + y1) + (y2 + y3)) + (l1v - Vector512.Load(p1 + t * L));
            var current0 = Vector512.Load(a0 + t * L);
            var current1 = Vector512.Load(a1 + t * L);
            if (violations != null)
            {
                var projected0 = Vector512.ConditionalSelect(Vector512.Equals(current0, Vector512<float>.Zero), Vector512.Min(grad0, Vector512<float>.Zero), grad0);
                var projected1 = Vector512.ConditionalSelect(Vector512.Equals(current1, Vector512<float>.Zero), Vector512.Min(grad1, Vector512<float>.Zero), grad1);
                violation0 += Vector512.Abs(projected0) & live0;
                violation1 += Vector512.Abs(projected1) & live1;
            }
            float hess = g[t];
            if (hess != 0f)
            {
                var h = Vector512.Create(hess);
                var next0 = Vector512.Max(current0 - grad0 / h, Vector512<float>.Zero);
                var next1 = Vector512.Max(current1 - grad1 / h, Vector512<float>.Zero);
                var delta0 = (next0 - current0) & live0;
                var delta1 = (next1 - current1) & live1;
                moved0 = Vector512.FusedMultiplyAdd(delta0, delta0, moved0);
                moved1 = Vector512.FusedMultiplyAdd(delta1, delta1, moved1);
                Vector512.ConditionalSelect(active0, next0, current0).Store(a0 + t * L);
                Vector512.ConditionalSelect(active1, next1, current1).Store(a1 + t * L);
            }
        }
        if (violations != null)
        {
            violations[0] = Vector256.Sum(violation0.GetLower());
            violations[1] = Vector256.Sum(violation0.GetUpper());
            violations[2] = Vector256.Sum(violation1.GetLower());
            violations[3] = Vector256.Sum(violation1.GetUpper());
        }
        changes[0] = Vector256.Sum(moved0.GetLower());
        changes[1] = Vector256.Sum(moved0.GetUpper());
        changes[2] = Vector256.Sum(moved1.GetLower());
        changes[3] = Vector256.Sum(moved1.GetUpper());
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
