namespace MLNet.Nmf.Engine.Kernels;

/// <summary>
/// How the engine stores a factor: a row-major <c>rows x k</c> array followed by
/// <see cref="Padding"/> spare floats, so that a SIMD kernel may read a whole vector past the end of
/// any row without leaving the array. The spare floats are never written.
/// </summary>
internal static class FactorLayout
{
    /// <summary>Spare floats after the last row (one Vector256 of float).</summary>
    public const int Padding = 8;

    /// <summary>Allocates a zeroed, padded <c>rows x k</c> factor.</summary>
    public static float[] Allocate(int rows, int k) => new float[checked(rows * k + Padding)];

    /// <summary>
    /// A padded <c>rows x k</c> factor from <see cref="Memory.BufferPool"/>: its values are left as they are (the caller
    /// writes every one) but its padding is zeroed, as a fresh factor's. Give it back with <see cref="Memory.BufferPool.Return(float[])"/>.
    /// </summary>
    public static float[] Rent(int rows, int k)
    {
        long length = checked((long)rows * k);
        var factor = Memory.BufferPool.RentFloats(length + Padding, clear: false);
        Array.Clear(factor, (int)length, Padding);
        return factor;
    }
}
