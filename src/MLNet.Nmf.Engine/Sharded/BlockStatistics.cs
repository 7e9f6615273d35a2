namespace MLNet.Nmf.Engine.Sharded;

/// <summary>
/// What one block of rows returns after updating its features W_b given the components: all the
/// coordinator needs to update H and to evaluate the objective, without seeing X_b or W_b.
/// </summary>
/// <param name="Violation">Σ |projected gradient| of the W_b update (0 for the statistics of the starting point).</param>
/// <param name="Gram">W_bᵀW_b, k x k row-major, in double.</param>
/// <param name="Cross">X_bᵀW_b, n x k row-major (n·k values).</param>
/// <param name="FeatureSum">Σ W_b, in double (for the L1 penalty).</param>
/// <param name="FeatureSquares">Σ W_b², in double (for the L2 penalty).</param>
public sealed record BlockStatistics(double Violation, double[] Gram, float[] Cross, double FeatureSum, double FeatureSquares)
{
    /// <summary>Bytes of payload this record carries (what a distributed driver sends back per block and iteration).</summary>
    public long PayloadBytes => 3L * sizeof(double) + (long)Gram.Length * sizeof(double) + (long)Cross.Length * sizeof(float);
}
