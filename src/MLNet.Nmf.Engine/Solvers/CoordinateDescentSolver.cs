using MLNet.Nmf.Engine.Kernels;
using MLNet.Nmf.Engine.Parallelism;

namespace MLNet.Nmf.Engine.Solvers;

/// <summary>
/// Coordinate descent (HALS; Cichocki &amp; Phan 2009) for ½‖X − WH‖²_F plus penalties, as
/// scikit-learn's <c>_fit_coordinate_descent</c>: each update of a factor A (given the other, B) visits
/// every coordinate once, using the Gram matrix BᵀB + L2·I and the product MB − L1, so the
/// per-coordinate step is exact. Stops when the summed projected-gradient violation falls below
/// <c>tolerance</c> times the first iteration's. With <see cref="NmfFitOptions.InnerIterations"/> = 1 it
/// is scikit-learn's <c>solver='cd'</c> step for step. The fit itself is driven block by block
/// (<see cref="Blocks.NmfBlockStep"/> updates W, <see cref="Blocks.NmfComponentState"/> updates Hᵀ); this class
/// holds the update routine they share.
/// </summary>
internal static unsafe class CoordinateDescentSolver
{
    /// <summary>Largest rank whose lane blocks <see cref="UpdateFactor"/> keeps on the stack.</summary>
    private const int MaxStackRank = 1024;

    /// <summary>
    /// For every row a of A: for each coordinate t in <paramref name="order"/>,
    /// a_t ← max(0, a_t − (a·G_t − p_t + l1) / G_tt). Returns Σ|projected gradient| before the steps.
    /// Rows are independent, so eight of them are updated at once, one per SIMD lane
    /// (<see cref="VectorKernels.CoordinateSweep8"/>). With <paramref name="sweeps"/> &gt; 1 the same
    /// products are reused for further sweeps (accelerated HALS, Gillis &amp; Glineur 2012): they cost
    /// k² per row, much less than a product with X, and reach a lower loss per iteration.
    /// </summary>
    internal static double UpdateFactor(float[] a, float[] product, float[] gram, float l1, int k, int[] order,
        BlockPartition blocks, int degree, int sweeps)
    {
        var partial = new double[blocks.BlockCount];
        BlockRunner.For(blocks.BlockCount, degree, block =>
        {
            double violation = 0;
            // Two k x 8 lane blocks: on the stack up to 64 KiB, on the heap beyond (a thread's stack is ~1.5 MiB).
            Span<float> lanes = k <= MaxStackRank ? stackalloc float[2 * 8 * k] : new float[2 * 8 * k];
            fixed (float* lanesA = lanes)
            fixed (float* pa = a, pp = product, pg = gram)
            fixed (int* po = order)
            {
                int end = blocks.End(block);
                for (int i = blocks.Start(block); i < end; i += 8)
                {
                    int count = Math.Min(8, end - i);
                    VectorKernels.ToLanes(pa + (long)i * k, count, k, lanesA);
                    VectorKernels.ToLanes(pp + (long)i * k, count, k, lanesA + 8 * k);
                    violation += VectorKernels.CoordinateSweep8(lanesA, lanesA + 8 * k, pg, l1, k, po, count, sweeps);
                    VectorKernels.FromLanes(lanesA, count, k, pa + (long)i * k);
                }
            }
            partial[block] = violation;
        });
        double total = 0;
        foreach (double v in partial)
            total += v;
        return total;
    }

    /// <summary>
    /// One coordinate sweep over a single row, the same arithmetic lane for lane as
    /// <see cref="VectorKernels.CoordinateSweep8"/>; the projection of new rows uses it.
    /// </summary>
    internal static double UpdateRow(float* row, float* product, float* gram, float l1, int k, int[] order) =>
        ScalarKernels.CoordinateSweep(new Span<float>(row, k), new ReadOnlySpan<float>(product, k),
            new ReadOnlySpan<float>(gram, k * k), l1, k, order);
}
