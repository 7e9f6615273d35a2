using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MLNet.Nmf.Engine.Kernels;

/// <summary>
/// The HALS sweep of <see cref="VectorKernels.CoordinateSweep8"/> on groups of eight rows in the 16 lanes of a Vector512
/// (lanes 0–7: one group, 8–15: the next): <see cref="CoordinateSweep16"/> sweeps one such block,
/// <see cref="CoordinateSweep64"/> up to four blocks in the same coordinate loop. Every lane does exactly the arithmetic
/// of the 8-lane kernel and each group keeps its own inner stopping rule, so the results are bit-identical to one call
/// of <see cref="VectorKernels.CoordinateSweep8"/> per group; the gain is more independent work per FMA chain (the sweep
/// is latency-bound at small k) and one broadcast of a Gram entry per 16 to 64 rows.
/// </summary>
internal static unsafe partial class WideKernels
{
    private const int L = 16; // lanes

    /// <summary>True when 512-bit vectors are hardware-accelerated (otherwise callers use the 8-lane kernel).</summary>
    public static bool IsSupported => Vector512.IsHardwareAccelerated;

    /// <summary>
    /// From this rank on, the solver asks for the next 64 rows while it sweeps the current ones (<see cref="Prefetch"/>):
    /// a sweep then takes long enough to hide the fetch (text tf-idf, one thread: W updates 6–8 % faster at k = 33 and 50,
    /// 4.5 % at k = 100), while at k ≤ 24 the rows were mostly in cache already and the requests cost 1–3 %.
    /// </summary>
    public const int PrefetchFromRank = 32;

    /// <summary>Asks for the cache lines of <paramref name="count"/> floats from <paramref name="start"/> (a hint: no effect on results).</summary>
    public static void Prefetch(float* start, long count)
    {
        if (!Sse.IsSupported)
            return;
        for (byte* p = (byte*)start, end = (byte*)(start + count); p < end; p += 64)
            Sse.Prefetch0(p);
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
            // Each group stops after the sweep that moved it by at most 10 % of its first sweep (VectorKernels.InnerStopSquared), as the 8-lane kernel.
            if (activeA && changeA <= VectorKernels.InnerStopSquared * firstChangeA)
                activeA = false;
            if (activeB && changeB <= VectorKernels.InnerStopSquared * firstChangeB)
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
    /// Up to <paramref name="sweeps"/> sweeps over up to 64 rows as eight groups of eight: <paramref name="a"/> and
    /// <paramref name="p"/> each hold four 16-lane blocks of <see cref="ToLanes"/> one after the other (rows 16b..16b+15
    /// at offset 16·k·b; room for all four whatever <paramref name="count"/>); <paramref name="count"/> rows are live
    /// (1..64). The blocks go through the same coordinate loop, so their FMA chains, divisions and store-to-load round
    /// trips overlap (the sweep is latency-bound at small k) and each Gram entry is broadcast once for all of them. Every
    /// group keeps its own inner stopping rule, and blocks whose two groups have stopped are no longer swept (three or
    /// four blocks left go together, then two, then one); lane for lane the arithmetic is that of
    /// <see cref="VectorKernels.CoordinateSweep8"/>, so the bits are those of one 8-lane call per group.
    /// </summary>
    /// <remarks>
    /// Writes the first sweep's Σ|projected gradient| of each group to <paramref name="violations"/> (eight doubles)
    /// and the sweeps each group ran to <paramref name="executed"/> (eight ints); a group with no live row reports 0 and 0.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CoordinateSweep64(float* a, float* p, float* gram, float l1, int k, int* order, int count, int sweeps,
        double* violations, int* executed)
    {
        var index = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        var sweep = new BlockSweep { A = a, P = p, Gram = gram, L1 = l1, K = k, Order = order };
        int blocks = (count + L - 1) / L;
        int* list = stackalloc int[4];
        for (int b = 0; b < 4; b++)
        {
            sweep.Live[b] = Vector512.LessThan(index, Vector512.Create(count - b * L)).AsSingle();
            sweep.Active[b] = Vector512<float>.AllBitsSet;
            list[b] = b;
        }
        double* first = stackalloc double[8];
        double* change = stackalloc double[8];
        sweep.Run(list, blocks, violations, first);
        // A group is active while it has live rows and has not met its stop; it has run one sweep so far.
        bool* active = stackalloc bool[8];
        for (int group = 0; group < 8; group++)
        {
            active[group] = group * 8 < count;
            executed[group] = active[group] ? 1 : 0;
            if (!active[group])
                violations[group] = 0;
        }
        for (int done = 1; done < sweeps; done++)
        {
            int n = 0;
            for (int b = 0; b < 4; b++)
            {
                sweep.Active[b] = Mask(active[2 * b], active[2 * b + 1]);
                if (active[2 * b] || active[2 * b + 1])
                    list[n++] = b;
            }
            if (n == 0)
                break;
            sweep.Run(list, n, null, change);
            // Each group stops after the sweep that moved it by at most 10 % of its first sweep (VectorKernels.InnerStopSquared), as the 8-lane kernel.
            for (int group = 0; group < 8; group++)
            {
                if (!active[group])
                    continue;
                executed[group]++;
                if (change[group] <= VectorKernels.InnerStopSquared * first[group])
                    active[group] = false;
            }
        }
    }

    /// <summary>The operands of one sweep over some of the four 16-lane blocks of <see cref="CoordinateSweep64"/>.</summary>
    private struct BlockSweep
    {
        public float* A, P, Gram;
        public float L1;
        public int K;
        public int* Order;
        public Blocks4 Live, Active;

        /// <summary>
        /// One sweep over the <paramref name="n"/> blocks in <paramref name="list"/>, writing each block's two group
        /// violations (when <paramref name="violations"/> is not null) and changes at the groups' own indices. Three
        /// blocks go through the four-block loop with the fourth block masked out (its stores write back what it read).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int* list, int n, double* violations, double* changes)
        {
            double* v = stackalloc double[8];
            double* c = stackalloc double[8];
            if (n >= 3)
            {
                // The spare fourth block: the one not listed (no store reaches memory through a zero mask).
                int spare = n == 4 ? list[3] : 6 - list[0] - list[1] - list[2];
                var spareActive = n == 4 ? Active[spare] : Vector512<float>.Zero;
                int b0 = list[0], b1 = list[1], b2 = list[2];
                Once64(Block(A, b0), Block(P, b0), Block(A, b1), Block(P, b1), Block(A, b2), Block(P, b2), Block(A, spare), Block(P, spare),
                    Gram, L1, K, Order, Live[b0], Live[b1], Live[b2], Live[spare], Active[b0], Active[b1], Active[b2], spareActive,
                    violations != null ? v : null, c);
                n = n == 4 ? 4 : 3;
            }
            else if (n == 2)
            {
                int b0 = list[0], b1 = list[1];
                Once32(Block(A, b0), Block(P, b0), Block(A, b1), Block(P, b1), Gram, L1, K, Order, Live[b0], Live[b1], Active[b0], Active[b1],
                    violations != null ? v : null, c);
            }
            else
            {
                int b0 = list[0];
                var (va, vb) = Once(Block(A, b0), Block(P, b0), Gram, L1, K, Order, Live[b0], Active[b0], out c[0], out c[1]);
                v[0] = va;
                v[1] = vb;
            }
            for (int i = 0; i < n; i++)
            {
                int b = list[i];
                changes[2 * b] = c[2 * i];
                changes[2 * b + 1] = c[2 * i + 1];
                if (violations != null)
                {
                    violations[2 * b] = v[2 * i];
                    violations[2 * b + 1] = v[2 * i + 1];
                }
            }
        }

        private float* Block(float* start, int b) => start + (long)b * K * L;
    }

    /// <summary>Four 512-bit vectors, one per block.</summary>
    [InlineArray(4)]
    private struct Blocks4
    {
        private Vector512<float> _element;
    }

    private static Vector512<float> Mask(bool lower, bool upper) =>
        Vector512.Create(lower ? Vector256<float>.AllBitsSet : Vector256<float>.Zero, upper ? Vector256<float>.AllBitsSet : Vector256<float>.Zero);

    /// <summary>
    /// One sweep of <see cref="Once"/> over two 16-lane blocks in the same coordinate loop. Writes each group's
    /// Σ|projected gradient| to <paramref name="violations"/> (when not null) and Σ moved² to <paramref name="changes"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
            else
            {
                // No curvature: 0 where the gradient is positive (the L1 term's minimizer), kept elsewhere.
                var next0 = ZeroCurvature(current0, grad0);
                var next1 = ZeroCurvature(current1, grad1);
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

    /// <summary>
    /// One sweep of <see cref="Once"/> over four 16-lane blocks in the same coordinate loop. Writes each group's
    /// Σ|projected gradient| to <paramref name="violations"/> (when not null) and Σ moved² to <paramref name="changes"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Once64(float* a0, float* p0, float* a1, float* p1, float* a2, float* p2, float* a3, float* p3, float* gram, float l1, int k, int* order,
        Vector512<float> live0, Vector512<float> live1, Vector512<float> live2, Vector512<float> live3,
        Vector512<float> active0, Vector512<float> active1, Vector512<float> active2, Vector512<float> active3, double* violations, double* changes)
    {
        Vector512<float> violation0 = default, violation1 = default, violation2 = default, violation3 = default;
        Vector512<float> moved0 = default, moved1 = default, moved2 = default, moved3 = default;
        nint d1 = (nint)(a1 - a0), d2 = (nint)(a2 - a0), d3 = (nint)(a3 - a0);
        var l1v = Vector512.Create(l1);
        for (int s = 0; s < k; s++)
        {
            int t = order[s];
            float* g = gram + t * k;
            // The same four partial sums (u mod 4) in each block as the 8-lane kernel: sixteen independent FMA chains.
            Vector512<float> x0 = default, x1 = default, x2 = default, x3 = default;
            Vector512<float> y0 = default, y1 = default, y2 = default, y3 = default;
            Vector512<float> z0 = default, z1 = default, z2 = default, z3 = default;
            Vector512<float> w0 = default, w1 = default, w2 = default, w3 = default;
            float* x = a0, gu = g, gEnd = g + (k & ~3);
            for (; gu < gEnd; gu += 4, x += 4 * L)
            {
                var b0 = Vector512.Create(gu[0]);
                x0 = Vector512.FusedMultiplyAdd(b0, Vector512.Load(x), x0);
                y0 = Vector512.FusedMultiplyAdd(b0, Vector512.Load(x + d1), y0);
                z0 = Vector512.FusedMultiplyAdd(b0, Vector512.Load(x + d2), z0);
                w0 = Vector512.FusedMultiplyAdd(b0, Vector512.Load(x + d3), w0);
                var b1 = Vector512.Create(gu[1]);
                x1 = Vector512.FusedMultiplyAdd(b1, Vector512.Load(x + L), x1);
                y1 = Vector512.FusedMultiplyAdd(b1, Vector512.Load(x + d1 + L), y1);
                z1 = Vector512.FusedMultiplyAdd(b1, Vector512.Load(x + d2 + L), z1);
                w1 = Vector512.FusedMultiplyAdd(b1, Vector512.Load(x + d3 + L), w1);
                var b2 = Vector512.Create(gu[2]);
                x2 = Vector512.FusedMultiplyAdd(b2, Vector512.Load(x + 2 * L), x2);
                y2 = Vector512.FusedMultiplyAdd(b2, Vector512.Load(x + d1 + 2 * L), y2);
                z2 = Vector512.FusedMultiplyAdd(b2, Vector512.Load(x + d2 + 2 * L), z2);
                w2 = Vector512.FusedMultiplyAdd(b2, Vector512.Load(x + d3 + 2 * L), w2);
                var b3 = Vector512.Create(gu[3]);
                x3 = Vector512.FusedMultiplyAdd(b3, Vector512.Load(x + 3 * L), x3);
                y3 = Vector512.FusedMultiplyAdd(b3, Vector512.Load(x + d1 + 3 * L), y3);
                z3 = Vector512.FusedMultiplyAdd(b3, Vector512.Load(x + d2 + 3 * L), z3);
                w3 = Vector512.FusedMultiplyAdd(b3, Vector512.Load(x + d3 + 3 * L), w3);
            }
            for (gEnd = g + k; gu < gEnd; gu++, x += L)
            {
                var b = Vector512.Create(gu[0]);
                x0 = Vector512.FusedMultiplyAdd(b, Vector512.Load(x), x0);
                y0 = Vector512.FusedMultiplyAdd(b, Vector512.Load(x + d1), y0);
                z0 = Vector512.FusedMultiplyAdd(b, Vector512.Load(x + d2), z0);
                w0 = Vector512.FusedMultiplyAdd(b, Vector512.Load(x + d3), w0);
            }
            var grad0 = ((x0 + x1) + (x2 + x3)) + (l1v - Vector512.Load(p0 + t * L));
            var grad1 = ((y0 + y1) + (y2 + y3)) + (l1v - Vector512.Load(p1 + t * L));
            var grad2 = ((z0 + z1) + (z2 + z3)) + (l1v - Vector512.Load(p2 + t * L));
            var grad3 = ((w0 + w1) + (w2 + w3)) + (l1v - Vector512.Load(p3 + t * L));
            var current0 = Vector512.Load(a0 + t * L);
            var current1 = Vector512.Load(a1 + t * L);
            var current2 = Vector512.Load(a2 + t * L);
            var current3 = Vector512.Load(a3 + t * L);
            if (violations != null)
            {
                violation0 += Projected(current0, grad0) & live0;
                violation1 += Projected(current1, grad1) & live1;
                violation2 += Projected(current2, grad2) & live2;
                violation3 += Projected(current3, grad3) & live3;
            }
            float hess = g[t];
            if (hess != 0f)
            {
                var h = Vector512.Create(hess);
                var next0 = Vector512.Max(current0 - grad0 / h, Vector512<float>.Zero);
                var next1 = Vector512.Max(current1 - grad1 / h, Vector512<float>.Zero);
                var next2 = Vector512.Max(current2 - grad2 / h, Vector512<float>.Zero);
                var next3 = Vector512.Max(current3 - grad3 / h, Vector512<float>.Zero);
                var delta0 = (next0 - current0) & live0;
                var delta1 = (next1 - current1) & live1;
                var delta2 = (next2 - current2) & live2;
                var delta3 = (next3 - current3) & live3;
                moved0 = Vector512.FusedMultiplyAdd(delta0, delta0, moved0);
                moved1 = Vector512.FusedMultiplyAdd(delta1, delta1, moved1);
                moved2 = Vector512.FusedMultiplyAdd(delta2, delta2, moved2);
                moved3 = Vector512.FusedMultiplyAdd(delta3, delta3, moved3);
                Vector512.ConditionalSelect(active0, next0, current0).Store(a0 + t * L);
                Vector512.ConditionalSelect(active1, next1, current1).Store(a1 + t * L);
                Vector512.ConditionalSelect(active2, next2, current2).Store(a2 + t * L);
                Vector512.ConditionalSelect(active3, next3, current3).Store(a3 + t * L);
            }
            else
            {
                // No curvature: 0 where the gradient is positive (the L1 term's minimizer), kept elsewhere.
                var next0 = ZeroCurvature(current0, grad0);
                var next1 = ZeroCurvature(current1, grad1);
                var next2 = ZeroCurvature(current2, grad2);
                var next3 = ZeroCurvature(current3, grad3);
                var delta0 = (next0 - current0) & live0;
                var delta1 = (next1 - current1) & live1;
                var delta2 = (next2 - current2) & live2;
                var delta3 = (next3 - current3) & live3;
                moved0 = Vector512.FusedMultiplyAdd(delta0, delta0, moved0);
                moved1 = Vector512.FusedMultiplyAdd(delta1, delta1, moved1);
                moved2 = Vector512.FusedMultiplyAdd(delta2, delta2, moved2);
                moved3 = Vector512.FusedMultiplyAdd(delta3, delta3, moved3);
                Vector512.ConditionalSelect(active0, next0, current0).Store(a0 + t * L);
                Vector512.ConditionalSelect(active1, next1, current1).Store(a1 + t * L);
                Vector512.ConditionalSelect(active2, next2, current2).Store(a2 + t * L);
                Vector512.ConditionalSelect(active3, next3, current3).Store(a3 + t * L);
            }
        }
        if (violations != null)
        {
            Halves(violation0, violations);
            Halves(violation1, violations + 2);
            Halves(violation2, violations + 4);
            Halves(violation3, violations + 6);
        }
        Halves(moved0, changes);
        Halves(moved1, changes + 2);
        Halves(moved2, changes + 4);
        Halves(moved3, changes + 6);
    }

    /// <summary>
    /// The step of a coordinate whose curvature G[t,t] is 0: 0 where the gradient is positive (an L1 penalty's minimizer),
    /// the coordinate kept elsewhere (a gradient ≤ 0 with no curvature has no finite minimizer), as
    /// <see cref="ScalarKernels.CoordinateSweep"/> does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ZeroCurvature(Vector512<float> current, Vector512<float> grad) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(grad, Vector512<float>.Zero), Vector512<float>.Zero, current);

    /// <summary>|projected gradient|: the gradient, or only its negative part where the coordinate is at 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Projected(Vector512<float> current, Vector512<float> grad) =>
        Vector512.Abs(Vector512.ConditionalSelect(Vector512.Equals(current, Vector512<float>.Zero), Vector512.Min(grad, Vector512<float>.Zero), grad));

    /// <summary>The sums of the lower and the upper eight lanes (group A, group B), as the 8-lane kernel sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Halves(Vector512<float> sums, double* output)
    {
        output[0] = Vector256.Sum(sums.GetLower());
        output[1] = Vector256.Sum(sums.GetUpper());
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
            else
            {
                // No curvature: 0 where the gradient is positive (the L1 term's minimizer), kept elsewhere.
                var next = ZeroCurvature(current, grad);
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
