namespace MLNet.Nmf.Engine.Blocks;

/// <summary>
/// What a driver stores, besides Hᵀ, to resume an <see cref="NmfComponentState"/> after the machine that held
/// it was lost (<see cref="NmfComponentState.Checkpoint"/>, <see cref="NmfComponentState.Resume"/>): with every
/// block's W_b of the same iteration, the resumed fit continues bit for bit.
/// </summary>
/// <param name="Iterations">Iterations completed.</param>
/// <param name="FirstViolation">The first iteration's violation (the stopping rule's reference).</param>
/// <param name="Converged">Whether the stopping rule was met.</param>
/// <param name="LossHistory">The objective at the start and after each iteration (<paramref name="Iterations"/> + 1 values).</param>
public sealed record NmfComponentCheckpoint(int Iterations, double FirstViolation, bool Converged, double[] LossHistory);
