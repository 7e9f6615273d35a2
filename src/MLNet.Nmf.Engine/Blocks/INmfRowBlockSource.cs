using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Engine.Blocks;

/// <summary>
/// Data that is read, not held: every call of <see cref="ReadBlocks"/> is one pass over the rows of X, as
/// consecutive row blocks, in the same order and with the same block sizes each time. A streamed fit
/// (<see cref="NmfEngine.FitStreamed"/>) holds one block at a time.
/// </summary>
public interface INmfRowBlockSource
{
    /// <summary>n, the number of columns of every block.</summary>
    int Columns { get; }

    /// <summary>One pass over the rows, block by block. A block may be dropped as soon as the next is requested.</summary>
    IEnumerable<INmfMatrix> ReadBlocks();
}
