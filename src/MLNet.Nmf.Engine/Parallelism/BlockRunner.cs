namespace MLNet.Nmf.Engine.Parallelism;

/// <summary>Runs a body once per block, on up to <c>degree</c> threads.</summary>
internal static class BlockRunner
{
    /// <summary>Calls <paramref name="body"/> for each block in <c>[0, blockCount)</c>.</summary>
    /// <remarks>
    /// Blocks write disjoint outputs (or their own partial-result slots), so the order in which threads
    /// take blocks does not change any result. The blocks run on <see cref="WorkerPool"/>'s threads, which allocate
    /// nothing a call; when the pool is busy (another fit on another thread, or a call from inside a block), on
    /// <c>Parallel.For</c>.
    /// </remarks>
    public static void For(int blockCount, int degree, Action<int> body)
    {
        if (degree <= 1 || blockCount <= 1)
        {
            for (int b = 0; b < blockCount; b++)
                body(b);
            return;
        }
        if (WorkerPool.TryRun(blockCount, degree, body))
            return;
        Parallel.For(0, blockCount, new ParallelOptions { MaxDegreeOfParallelism = degree }, body);
    }
}
