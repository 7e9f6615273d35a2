using System.Globalization;
using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Engine;

/// <summary>
/// The sizes a fit will allocate, computed before anything is allocated, in <c>checked</c> long arithmetic
/// (and in double for the byte total), so that a rank chosen by a user can never overflow a size, index
/// past an array or exhaust the machine: a fit that cannot be held is refused at once, naming Rank.
/// </summary>
internal static class FitBudget
{
    private const long Float = sizeof(float), Double = sizeof(double);

    /// <summary>Rows per block of <see cref="Kernels.FactorOps.Gram(float[], int, int, int)"/> (its partial sums are stride x stride each, stride = k rounded up to 8).</summary>
    private const long GramRowsPerBlock = 1024;

    /// <summary>Bytes the fit of <paramref name="x"/> at <paramref name="o"/>'s rank will allocate beyond the data (an upper estimate).</summary>
    public static double EstimateBytes(NmfFitOptions o, DataOperand x, NmfInitialization init)
    {
        double m = x.Rows, n = x.Columns, k = o.Rank, stride = (o.Rank + 7) & ~7L;
        double degree = Threads(o, x);
        double bigger = Math.Max(m, n);
        bool sparse = x is SparseOperand;
        double transposed = x.StoredCount * (sparse ? Float + sizeof(int) : Float) + (n + 1) * sizeof(int);
        double factors = (m + n) * k * Float * 2;                 // W and Hᵀ, then the result's copies of both
        double product = bigger * k * Float;                      // X·Hᵀ or Xᵀ·W
        double dense = sparse ? 0 : (m + n) * k * Float;          // each dense operand's cached transposed factor
        double gram = Math.Ceiling(bigger / GramRowsPerBlock) * stride * stride * Float + k * k * (Double + 2 * Float);
        double l = Math.Min(k + 10, Math.Min(m, n));
        bool svd = init is NmfInitialization.Nndsvd or NmfInitialization.Nndsvda or NmfInitialization.Nndsvdar;
        double start = svd ? (m + n) * l * Float + Math.Ceiling(bigger / GramRowsPerBlock) * (l + 8) * (l + 8) * Float + 4 * l * l * Double : 0;
        double beta = o.EffectiveBeta;
        double perThread = o.Solver switch
        {
            // A gathered row: its stored entries times k (dense rows: n x k), per thread.
            NmfSolver.CoordinateDescentKL => degree * Math.Min(bigger, x.StoredCount) * k * Float,
            // General β: Bᵀ (k x columns) once, and one dense row of the model per thread.
            NmfSolver.MultiplicativeUpdate when beta != 1 && beta != 2 => bigger * k * Float + degree * bigger * (Float + Double),
            _ => 0,
        };
        return transposed + factors + product + dense + gram + start + perThread;
    }

    /// <summary>
    /// The threads the fit can run at once: DegreeOfParallelism is a cap, and no more threads work than there are
    /// processors (<see cref="Parallelism.WorkerPool"/>'s helpers plus the caller) or row blocks of 256
    /// (<see cref="Solvers.FitState"/>'s partitions), so per-thread buffers are counted for these alone.
    /// </summary>
    internal static int Threads(NmfFitOptions o, DataOperand x)
    {
        const int rowsPerBlock = 256; // FitState's RowBlocksW and RowBlocksH
        int blocks = (int)Math.Min(int.MaxValue, (Math.Max(x.Rows, x.Columns) + (long)rowsPerBlock - 1) / rowsPerBlock);
        return Math.Max(1, Math.Min(Math.Min(o.DegreeOfParallelism, Environment.ProcessorCount), blocks));
    }

    /// <summary>
    /// Refuses, naming Rank, a fit whose arrays would exceed what a .NET array can index or whose memory
    /// estimate exceeds what the process may use (<see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>).
    /// </summary>
    public static void Check(NmfFitOptions o, DataOperand x, NmfInitialization init) =>
        Check(o, x, init, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);

    /// <summary><see cref="Check(NmfFitOptions, DataOperand, NmfInitialization)"/> against <paramref name="available"/> bytes.</summary>
    internal static void Check(NmfFitOptions o, DataOperand x, NmfInitialization init, long available)
    {
        int k = o.Rank;
        long largestFactor = checked(Math.Max((long)x.Rows, x.Columns) * k + Kernels.FactorLayout.Padding);
        long gramSquare = checked((long)k * k + Kernels.FactorLayout.Padding);
        long gramPartials = checked((((long)Math.Max(x.Rows, x.Columns) + GramRowsPerBlock - 1) / GramRowsPerBlock) * k * ((k + 7L) & ~7L));
        long largest = Math.Max(largestFactor, Math.Max(gramSquare, gramPartials));
        if (largest > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(o.Rank), k, Invariant(
                $"Rank {k} on {x.Rows} x {x.Columns} data needs arrays of {largest} values, more than a .NET array can hold ({Array.MaxLength}). Lower the rank."));
        double bytes = EstimateBytes(o, x, init);
        if (bytes > available)
            throw new ArgumentOutOfRangeException(nameof(o.Rank), k, Invariant(
                $"Rank {k} on {x.Rows} x {x.Columns} data ({x.StoredCount} stored values) needs about {bytes:F0} bytes ({bytes / (1 << 30):F1} GiB) beyond the data, more than the {available} bytes this process may use. Lower the rank, or fit fewer rows or features."));
    }

    /// <summary>
    /// The streamed fit's counterpart of <see cref="Check(NmfFitOptions, DataOperand, NmfInitialization)"/>: refuses, naming
    /// Rank, a fit whose rank-sized arrays (Hᵀ, the k x n statistics, the Gram matrices, and once the blocks are known
    /// the largest block's W_b and work buffer) a .NET array cannot index, or whose memory the process may not use.
    /// Called before the first row is read (<paramref name="blockRows"/> 0) and again after the counting pass.
    /// </summary>
    public static void CheckStreamed(NmfFitOptions o, int columns, int blockRows) =>
        CheckStreamed(o, columns, blockRows, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);

    /// <summary><see cref="CheckStreamed(NmfFitOptions, int, int)"/> against <paramref name="available"/> bytes.</summary>
    internal static void CheckStreamed(NmfFitOptions o, int columns, int blockRows, long available)
    {
        int k = o.Rank;
        long n = columns, stride = (k + 7L) & ~7L;
        long components = checked(n * k + Kernels.FactorLayout.Padding);                  // Hᵀ, X_bᵀW_b, the statistics' cross products
        long gramSquare = checked((long)k * k + Kernels.FactorLayout.Padding);
        long gramPartials = checked(((n + GramRowsPerBlock - 1) / GramRowsPerBlock) * k * stride);
        long block = checked(Math.Max(blockRows, n) * k + Kernels.FactorLayout.Padding); // W_b and the step's work buffer
        long largest = Math.Max(Math.Max(components, gramSquare), Math.Max(gramPartials, block));
        string shape = blockRows > 0 ? Invariant($"{columns} columns in blocks of up to {blockRows} rows") : Invariant($"{columns} columns");
        if (largest > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(o.Rank), k, Invariant(
                $"Rank {k} on {shape} needs arrays of {largest} values, more than a .NET array can hold ({Array.MaxLength}). Lower the rank{(blockRows > 0 ? ", or hand out smaller blocks" : "")}."));
        // Hᵀ, the state's float cross product, the final projector's Hᵀ and H: 4 floats per component entry; the block
        // statistics (scratch, total, first-pass measure): 3 double cross products and 3 double Gram matrices; one block's
        // W_b, work buffer and transposed W_b.
        double bytes = 4.0 * Float * n * k + 3.0 * Double * (n * k + (double)k * k)
            + Math.Ceiling(n / (double)GramRowsPerBlock) * stride * stride * Float
            + 3.0 * Float * Math.Max(blockRows, n) * k;
        if (bytes > available)
            throw new ArgumentOutOfRangeException(nameof(o.Rank), k, Invariant(
                $"Rank {k} on {shape} needs about {bytes:F0} bytes ({bytes / (1 << 30):F1} GiB) beyond the blocks, more than the {available} bytes this process may use. Lower the rank{(blockRows > 0 ? ", or hand out smaller blocks" : "")}."));
    }

    /// <summary>For the general-β multiplicative updates, which form every entry of WH: the work per iteration.</summary>
    public static string WorkNote(NmfFitOptions o, DataOperand x)
    {
        double beta = o.EffectiveBeta;
        if (o.Solver != NmfSolver.MultiplicativeUpdate || beta == 1 || beta == 2)
            return "";
        double entries = (double)x.Rows * x.Columns;
        return Invariant($"; beta = {beta} forms all {entries:G3} entries of WH twice an iteration (about {4 * entries * o.Rank:G3} multiply-adds and {4 * entries:G3} powers per iteration, whatever the sparsity of X), and projecting the rows at the end takes up to {o.ProjectionMaxIterations} passes over all {x.Columns} columns per row");
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
