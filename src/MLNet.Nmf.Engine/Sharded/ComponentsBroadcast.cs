namespace MLNet.Nmf.Engine.Sharded;

/// <summary>
/// What the coordinator of a sharded fit sends every block per iteration: Hᵀ (n x k row-major, followed by
/// 8 spare floats that kernels may read but never use) and the Gram matrix HHᵀ (k x k, double).
/// </summary>
/// <param name="Transposed">Hᵀ, n·k + 8 floats.</param>
/// <param name="Gram">HHᵀ, k·k doubles.</param>
public sealed record ComponentsBroadcast(float[] Transposed, double[] Gram)
{
    /// <summary>Bytes of payload this record carries (what a distributed driver sends to each block per iteration).</summary>
    public long PayloadBytes => (long)Transposed.Length * sizeof(float) + (long)Gram.Length * sizeof(double);
}
