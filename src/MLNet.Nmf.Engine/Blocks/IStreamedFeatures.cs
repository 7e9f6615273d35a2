namespace MLNet.Nmf.Engine.Blocks;

/// <summary>
/// Where a streamed fit keeps every block's features W_b between passes: block b at its first row's offset
/// (k floats per row). Within a pass blocks are read and written in block order.
/// </summary>
internal interface IStreamedFeatures : IDisposable
{
    /// <summary>Reads the W_b that the last completed pass wrote for rows [firstRow, firstRow + rows) into <paramref name="w"/>.</summary>
    void Read(long firstRow, int rows, float[] w);

    /// <summary>Writes this pass's W_b for rows [firstRow, firstRow + rows).</summary>
    void Write(long firstRow, int rows, float[] w);
}
