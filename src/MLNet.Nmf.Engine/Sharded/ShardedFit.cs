using System.Globalization;
using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Engine.Sharded;

/// <summary>
/// The single-machine driver of the row-sharded HALS fit: the blocks are given in memory, every iteration
/// updates each block's W_b (<see cref="RowBlock.Update"/>) and then H from their statistics added in block
/// order (<see cref="ShardedComponents.Update"/>). A cluster driver (MLNet.Nmf.Orleans) runs the same steps
/// with one block per shard and gets the same bits. With one block it is <see cref="NmfEngine.Fit"/> with a
/// random start.
/// </summary>
public static class ShardedFit
{
    /// <summary>Fits H (and each block's W) to the blocks stacked in order.</summary>
    /// <param name="blocks">The row blocks of X, in order; each finite and non-negative, all with the same columns.</param>
    /// <param name="options">CD, Frobenius, random start (see <see cref="ShardedFitPlan"/>); null for the defaults.</param>
    /// <exception cref="ArgumentException">No block, blocks of different widths, all zeros, or an unsupported option (named).</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public static ShardedFitResult Fit(IReadOnlyList<INmfMatrix> blocks, NmfFitOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        options ??= new NmfFitOptions();
        int degree = Math.Max(1, options.DegreeOfParallelism);
        var rows = new RowBlock[blocks.Count];
        long first = 0;
        for (int b = 0; b < blocks.Count; b++)
        {
            rows[b] = new RowBlock(blocks[b] ?? throw new ArgumentNullException(nameof(blocks), $"Block {b} is null."), first) { DegreeOfParallelism = degree };
            first += blocks[b].Rows;
        }
        var plan = ShardedFitPlan.Create(options, rows.Select(r => r.Summary).ToArray());
        var components = ShardedComponents.Start(plan);
        foreach (var block in rows)
            block.InitializeFeatures(plan);
        var history = new List<double>(plan.MaxIterations + 1)
        {
            components.Objective(rows.Select(r => r.Statistics(plan)).ToArray(), degree),
        };

        double firstViolation = 0;
        int iteration = 0;
        bool converged = false;
        while (iteration < plan.MaxIterations)
        {
            var broadcast = components.Broadcast(degree);
            var statistics = rows.Select(r => r.Update(plan, broadcast)).ToArray();
            var (violation, objective) = components.Update(statistics, degree);
            iteration++;
            history.Add(objective);
            options.Log?.Invoke(string.Create(CultureInfo.InvariantCulture, $"NMF sharded: iteration {iteration}, objective {objective:G8}, violation {violation:G6}."));
            if (iteration == 1)
                firstViolation = violation;
            if (IsConverged(plan, firstViolation, violation))
            {
                converged = true;
                break;
            }
        }

        var final = components.Broadcast(degree);
        var features = new DenseMatrix[rows.Length];
        double squared = 0;
        for (int b = 0; b < rows.Length; b++)
        {
            (features[b], double s) = rows[b].Project(plan, final);
            squared += s;
        }
        return new ShardedFitResult(plan, components.ToComponents(), features, iteration, converged, history.ToArray(),
            RelativeError(plan, squared), 0.5 * squared);
    }

    /// <summary>The stopping rule of the CD solver: violation relative to the first iteration's at or below the tolerance.</summary>
    public static bool IsConverged(ShardedFitPlan plan, double firstViolation, double violation)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return firstViolation == 0 || violation / firstViolation <= plan.Tolerance;
    }

    /// <summary>‖X − WH‖_F / ‖X‖_F from the summed squared error.</summary>
    public static double RelativeError(ShardedFitPlan plan, double squaredError)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return plan.SquaredNorm > 0 ? Math.Sqrt(squaredError / plan.SquaredNorm) : 0;
    }
}
