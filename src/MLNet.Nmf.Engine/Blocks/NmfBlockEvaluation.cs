namespace MLNet.Nmf.Engine.Blocks;

/// <summary>
/// A block's share of the final figures of a fit (<see cref="NmfBlockStep.Project"/>): sums over its rows,
/// added in block order with <see cref="Add"/>.
/// </summary>
/// <param name="Rows">Rows covered.</param>
/// <param name="SquaredError">Σ (X − WH)² over the rows, in double.</param>
/// <param name="FeatureSum">Σ w over the final features (0 when W carries no penalty).</param>
/// <param name="FeatureSquares">Σ w² over the final features (0 when W carries no penalty).</param>
public readonly record struct NmfBlockEvaluation(long Rows, double SquaredError, double FeatureSum, double FeatureSquares)
{
    /// <summary>The sum of this and the next block's figures.</summary>
    public NmfBlockEvaluation Add(NmfBlockEvaluation next) =>
        new(Rows + next.Rows, SquaredError + next.SquaredError, FeatureSum + next.FeatureSum, FeatureSquares + next.FeatureSquares);
}
