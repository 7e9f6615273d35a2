using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Engine.Sharded;

/// <summary>The outcome of <see cref="ShardedFit.Fit"/>.</summary>
/// <param name="Plan">The fit's constants.</param>
/// <param name="H">The components, k x n.</param>
/// <param name="W">Each block's features (its rows projected onto <paramref name="H"/>), in block order.</param>
/// <param name="Iterations">Outer iterations run.</param>
/// <param name="Converged">True when the tolerance stopped the fit.</param>
/// <param name="LossHistory">The objective at the start and after each iteration.</param>
/// <param name="RelativeError">‖X − WH‖_F / ‖X‖_F.</param>
/// <param name="Divergence">½‖X − WH‖²_F.</param>
public sealed record ShardedFitResult(ShardedFitPlan Plan, DenseMatrix H, IReadOnlyList<DenseMatrix> W, int Iterations, bool Converged,
    IReadOnlyList<double> LossHistory, double RelativeError, double Divergence);
