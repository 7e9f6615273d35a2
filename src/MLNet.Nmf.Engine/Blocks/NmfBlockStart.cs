using MLNet.Nmf.Engine.Kernels;
using MLNet.Nmf.Engine.Solvers;

namespace MLNet.Nmf.Engine.Blocks;

/// <summary>
/// Starting factors of a block-wise fit that need only block passes over X: scikit-learn's random start
/// |N(0, 1)| · sqrt(mean(X) / k), Hᵀ drawn first and then W row after row, from the seed. Any block's
/// starting W_b is computed from the seed and the block's first global row alone, so the start is the same
/// for any split into blocks, any thread count and any machine, and equals <see cref="NmfEngine.Fit"/>'s
/// start with <see cref="NmfInitialization.Random"/>.
/// </summary>
public static class NmfBlockStart
{
    /// <summary>The scale sqrt(mean(X) / k) of the random start.</summary>
    /// <param name="sum">Σ x over all of X (the blocks' sums added in block order).</param>
    /// <param name="rows">m.</param>
    /// <param name="columns">n.</param>
    /// <param name="rank">k.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1, or <paramref name="sum"/> is negative or not finite.</exception>
    public static double RandomScale(double sum, long rows, int columns, int rank)
    {
        Check(rank, columns);
        if (rows < 1)
            throw new ArgumentOutOfRangeException(nameof(rows), rows, "rows must be at least 1.");
        if (!(sum >= 0 && double.IsFinite(sum)))
            throw new ArgumentOutOfRangeException(nameof(sum), sum, "sum (Σ x over X) must be a finite number >= 0.");
        return Math.Sqrt(sum / ((double)rows * columns) / rank);
    }

    /// <summary>The random starting Hᵀ: n x k row-major plus 8 spare floats.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1, or <paramref name="scale"/> is negative or not finite.</exception>
    public static float[] RandomComponents(int seed, int rank, int columns, double scale)
    {
        Check(rank, columns);
        CheckScale(scale);
        var random = new SeededRandom((ulong)(uint)seed);
        var ht = FactorLayout.Allocate(columns, rank);
        for (int t = 0; t < rank; t++)
            for (int j = 0; j < columns; j++)
                ht[j * rank + t] = (float)Math.Abs(scale * random.NextGaussian());
        return ht;
    }

    /// <summary>
    /// The random starting W_b of the <paramref name="rows"/> rows that start at global row
    /// <paramref name="firstRow"/>: rows x k row-major plus 8 spare floats.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1, <paramref name="firstRow"/> is negative, or
    /// <paramref name="scale"/> is negative or not finite.</exception>
    public static float[] RandomFeatures(int seed, int rank, int columns, long firstRow, int rows, double scale)
    {
        Check(rank, columns);
        CheckScale(scale);
        if (firstRow < 0)
            throw new ArgumentOutOfRangeException(nameof(firstRow), firstRow, "firstRow must be >= 0.");
        if (rows < 0)
            throw new ArgumentOutOfRangeException(nameof(rows), rows, "rows must be >= 0.");
        var w = FactorLayout.Allocate(rows, rank);
        FillRandomFeatures(w, rows, seed, rank, columns, firstRow, scale);
        return w;
    }

    /// <summary>Writes the random start of <paramref name="rows"/> rows into the start of <paramref name="w"/>.</summary>
    internal static void FillRandomFeatures(float[] w, int rows, int seed, int rank, int columns, long firstRow, double scale)
    {
        // The draws of Hᵀ come first (n·k Gaussians), then W's row by row.
        ulong index = (ulong)columns * (ulong)rank + (ulong)firstRow * (ulong)rank;
        var random = SeededRandom.AtGaussian((ulong)(uint)seed, index);
        int count = rows * rank;
        for (int i = 0; i < count; i++)
            w[i] = (float)Math.Abs(scale * random.NextGaussian());
    }

    /// <summary>A NaN, infinite or negative scale would start the fit from NaN, infinite or (|N| times it) negative factors.</summary>
    private static void CheckScale(double scale)
    {
        if (!(scale >= 0 && double.IsFinite(scale)))
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be a finite number >= 0 (see RandomScale).");
    }

    private static void Check(int rank, int columns)
    {
        if (rank < 1)
            throw new ArgumentOutOfRangeException(nameof(rank), rank, "rank must be at least 1.");
        if (columns < 1)
            throw new ArgumentOutOfRangeException(nameof(columns), columns, "columns must be at least 1.");
    }
}
