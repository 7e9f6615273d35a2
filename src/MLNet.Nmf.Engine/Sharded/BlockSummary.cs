namespace MLNet.Nmf.Engine.Sharded;

/// <summary>What the coordinator of a sharded fit needs to know of one block of rows before the first iteration.</summary>
/// <param name="Rows">Rows of the block.</param>
/// <param name="Columns">Columns (features).</param>
/// <param name="NonZeros">Stored values.</param>
/// <param name="Sum">Σ X over the block, in double.</param>
/// <param name="SquaredNorm">‖X_b‖²_F, in double.</param>
public sealed record BlockSummary(int Rows, int Columns, long NonZeros, double Sum, double SquaredNorm);
