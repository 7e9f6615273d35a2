using System.Runtime.CompilerServices;
using MLNet.Nmf.Engine.Kernels;
using MLNet.Nmf.Engine.Parallelism;

namespace MLNet.Nmf.Engine.Solvers;

/// <summary>
/// Coordinate descent (HALS; Cichocki &amp; Phan 2009) for ½‖X − WH‖²_F plus penalties, as
/// scikit-learn's <c>_fit_coordinate_descent</c>: each update of a factor A (given the other, B) visits
/// every coordinate once, using the Gram matrix BᵀB + L2·I and the product MB − L1, so the
/// per-coordinate step is exact. Stops when the summed projected-gradient violation falls below
/// <c>tolerance</c> times the first iteration's, or after the first iteration when that violation is rounding noise
/// (a start already stationary to float precision; <see cref="StoppingRule"/>). With <see cref="NmfFitOptions.InnerIterations"/> = 1 it
/// is scikit-learn's <c>solver='cd'</c> step for step. The fit itself is driven block by block
/// (<see cref="Blocks.NmfBlockStep"/> updates W, <see cref="Blocks.NmfComponentState"/> updates Hᵀ); this class
/// holds the update routine they share.
/// </summary>
internal static unsafe class CoordinateDescentSolver
{
    /// <summary>
    /// For every row a of A: for each coordinate t in <paramref name="order"/>,
    /// a_t ← max(0, a_t − (a·G_t − p_t + l1) / G_tt). Returns Σ|projected gradient| before the steps.
    /// Rows are independent, so eight of them are updated at once, one per SIMD lane
    /// (<see cref="VectorKernels.CoordinateSweep8"/>), and where 512-bit vectors are fast up to 64 at once in one
    /// coordinate loop (<see cref="WideKernels.CoordinateSweep64"/>), with the same bits. With <paramref name="sweeps"/> &gt; 1 the same
    /// products are reused for further sweeps (accelerated HALS, Gillis &amp; Glineur 2012): they cost
    /// k² per row, much less than a product with X, and reach a lower loss per iteration.
    /// </summary>
    internal static double UpdateFactor(float[] a, float[] product, float[] gram, float l1, int k, int[] order,
        BlockPartition blocks, int degree, int sweeps, string? countAs = null)
    {
        // This thread's per-block slots, reused from call to call (fresh ones were most of an iteration's garbage).
        int blockCount = blocks.BlockCount;
        var partial = t_partial is { } p && p.Length >= blockCount ? p : (t_partial = new double[blockCount]);
        var rowSweeps = t_rowSweeps is { } r && r.Length >= blockCount ? r : (t_rowSweeps = new long[blockCount]);
        BlockRunner.For(blocks.BlockCount, degree, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (block) =>
        {
            double violation = 0;
            long swept = 0;
            int* executed = stackalloc int[8];
            double* groupViolations = stackalloc double[8];
            // 64 rows (eight groups of 8 in four 16-lane blocks, WideKernels) where 512-bit vectors are fast: the same
            // bits as eight 8-lane calls, the groups' violations added in row order as the 8-lane path adds them.
            // Every lane block a sweep reads is rewritten for its group (ToLanes), so one array per thread serves every
            // block and call (a fresh one per 256-row block was 12.7 MB of garbage per W update at k = 100).
            // 16 floats more, to start the lanes on a 64-byte boundary: then no 512-bit load or store of a lane vector
            // straddles two cache lines (at k = 10 an unaligned buffer made the sweeps up to 30 % slower).
            var scratch = LaneScratch(checked(2 * k * 64 + 16));
            fixed (float* pa = a, pp = product, pg = gram, unaligned = scratch)
            fixed (int* po = order)
            {
                float* lanesA = (float*)(((nint)unaligned + 63) & ~(nint)63);
                float* lanesP = lanesA + k * 64;
                int end = blocks.End(block);
                for (int i = blocks.Start(block); i < end;)
                {
                    int count = Math.Min(64, end - i);
                    if (count > 16 && WideKernels.IsSupported)
                    {
                        for (int b = 0; b * 16 < count; b++)
                        {
                            int rows = Math.Min(16, count - b * 16);
                            WideKernels.ToLanes(pa + (long)(i + b * 16) * k, rows, k, lanesA + b * k * 16);
                            WideKernels.ToLanes(pp + (long)(i + b * 16) * k, rows, k, lanesP + b * k * 16);
                        }
                        // At larger k the next rows are fetched while these are swept (a hint: no effect on the result).
                        int ahead = Math.Min(64, end - i - count);
                        if (ahead > 0 && k >= WideKernels.PrefetchFromRank)
                        {
                            WideKernels.Prefetch(pa + (long)(i + count) * k, (long)ahead * k);
                            WideKernels.Prefetch(pp + (long)(i + count) * k, (long)ahead * k);
                        }
                        WideKernels.CoordinateSweep64(lanesA, lanesP, pg, l1, k, po, count, sweeps, groupViolations, executed);
                        for (int group = 0; group * 8 < count; group++)
                        {
                            swept += Math.Min(8L, count - group * 8L) * executed[group];
                            violation += groupViolations[group];
                        }
                        for (int b = 0; b * 16 < count; b++)
                            WideKernels.FromLanes(lanesA + b * k * 16, Math.Min(16, count - b * 16), k, pa + (long)(i + b * 16) * k);
                        i += count;
                        continue;
                    }
                    count = Math.Min(16, count);
                    if (count > 8 && WideKernels.IsSupported)
                    {
                        WideKernels.ToLanes(pa + (long)i * k, count, k, lanesA);
                        WideKernels.ToLanes(pp + (long)i * k, count, k, lanesP);
                        var (first, second) = WideKernels.CoordinateSweep16(lanesA, lanesP, pg, l1, k, po, count, sweeps, executed);
                        swept += 8L * executed[0] + (count - 8L) * executed[1];
                        violation += first;
                        violation += second;
                        WideKernels.FromLanes(lanesA, count, k, pa + (long)i * k);
                        i += count;
                        continue;
                    }
                    count = Math.Min(8, count);
                    VectorKernels.ToLanes(pa + (long)i * k, count, k, lanesA);
                    VectorKernels.ToLanes(pp + (long)i * k, count, k, lanesP);
                    violation += VectorKernels.CoordinateSweep8(lanesA, lanesP, pg, l1, k, po, count, sweeps, executed);
                    swept += (long)count * executed[0];
                    VectorKernels.FromLanes(lanesA, count, k, pa + (long)i * k);
                    i += count;
                }
            }
            partial[block] = violation;
            rowSweeps[block] = swept;
        });
        if (countAs is not null)
        {
            long swept = 0;
            for (int b = 0; b < blockCount; b++)
                swept += rowSweeps[b];
            StageClock.Count(countAs, swept);
        }
        double total = 0;
        for (int b = 0; b < blockCount; b++)
            total += partial[b];
        return total;
    }

    [ThreadStatic]
    private static double[]? t_partial;

    [ThreadStatic]
    private static long[]? t_rowSweeps;

    [ThreadStatic]
    private static float[]? t_lanes;

    /// <summary>This thread's lane buffer of at least <paramref name="length"/> floats (a fresh one per block was megabytes of garbage per iteration).</summary>
    private static float[] LaneScratch(int length) =>
        t_lanes is { } cached && cached.Length >= length ? cached : (t_lanes = new float[length]);

    /// <summary>
    /// One coordinate sweep over a single row, the same arithmetic lane for lane as
    /// <see cref="VectorKernels.CoordinateSweep8"/>; the projection of new rows uses it.
    /// </summary>
    internal static double UpdateRow(float* row, float* product, float* gram, float l1, int k, int[] order) =>
        ScalarKernels.CoordinateSweep(new Span<float>(row, k), new ReadOnlySpan<float>(product, k),
            new ReadOnlySpan<float>(gram, k * k), l1, k, order);
}
