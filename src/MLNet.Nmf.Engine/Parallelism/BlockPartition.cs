namespace MLNet.Nmf.Engine.Parallelism;

/// <summary>
/// A fixed split of <c>[0, Count)</c> into contiguous blocks that depends only on the data, never on
/// the number of threads. Work is done block by block and every reduction adds the blocks' partial
/// results in block order, which is what makes results bit-identical for any degree of parallelism.
/// </summary>
internal sealed class BlockPartition
{
    private readonly int[] _starts;

    private BlockPartition(int[] starts) => _starts = starts;

    /// <summary>Number of blocks.</summary>
    public int BlockCount => _starts.Length - 1;

    /// <summary>First index of <paramref name="block"/>.</summary>
    public int Start(int block) => _starts[block];

    /// <summary>One past the last index of <paramref name="block"/>.</summary>
    public int End(int block) => _starts[block + 1];

    /// <summary>Blocks of <paramref name="blockSize"/> consecutive indices (the last may be shorter).</summary>
    public static BlockPartition Even(int count, int blockSize)
    {
        int blocks = Math.Max(1, (count + blockSize - 1) / blockSize);
        var starts = new int[blocks + 1];
        for (int b = 0; b < blocks; b++)
            starts[b] = Math.Min(count, b * blockSize);
        starts[blocks] = count;
        return new BlockPartition(starts);
    }

    /// <summary>
    /// Blocks of consecutive rows with roughly equal work, where row <c>i</c> costs
    /// <c>rowPointers[i + 1] - rowPointers[i] + rowCost</c>.
    /// </summary>
    public static BlockPartition ByWork(ReadOnlySpan<int> rowPointers, int rowCost, int targetBlocks)
    {
        int rows = rowPointers.Length - 1;
        long total = (long)rowPointers[rows] + (long)rowCost * rows;
        targetBlocks = Math.Clamp(targetBlocks, 1, Math.Max(1, rows));
        long perBlock = Math.Max(1, (total + targetBlocks - 1) / targetBlocks);
        var starts = new List<int>(targetBlocks + 1) { 0 };
        long acc = 0;
        for (int i = 0; i < rows; i++)
        {
            acc += rowPointers[i + 1] - rowPointers[i] + rowCost;
            if (acc >= perBlock && i + 1 < rows)
            {
                starts.Add(i + 1);
                acc = 0;
            }
        }
        starts.Add(rows);
        return new BlockPartition(starts.ToArray());
    }
}
