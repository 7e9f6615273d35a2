using MLNet.Nmf.Engine.Kernels;
using MLNet.Nmf.Engine.Solvers;

namespace MLNet.Nmf.Engine.Losses;

/// <summary>
/// ½‖X − WH‖²_F plus penalties, through the trace identity
/// ‖X − WH‖² = ‖X‖² − 2 tr(Wᵀ X Hᵀ) + tr(WᵀW · HHᵀ), so that sparse X is never densified and WH never formed.
/// Accumulated in double; the products themselves are float, so this is the iteration-by-iteration
/// monitor, and <see cref="Divergence"/> computes the final figures more exactly.
/// </summary>
internal static class FrobeniusObjective
{
    /// <summary>The objective of the current factors (one product with X).</summary>
    public static double Compute(FitState state, double[] htGram, float[] scratch)
    {
        int k = state.Rank;
        state.X.Transposed.Multiply(state.W, k, scratch, state.Degree);
        double[] wGram = FactorOps.Gram(state.W, state.Rows, k, state.Degree);
        return FromProducts(state, scratch, wGram, htGram);
    }

    /// <summary>The objective from XᵀW (n x k), WᵀW and HHᵀ.</summary>
    public static double FromProducts(FitState state, float[] xtW, double[] wGram, double[] htGram)
    {
        double cross = FactorOps.ElementwiseDot(xtW, state.Ht, state.Columns * state.Rank);
        double squared = state.X.SquaredNorm - 2 * cross + FactorOps.FrobeniusInner(wGram, htGram);
        return 0.5 * Math.Max(squared, 0) + state.PenaltyValue();
    }
}
