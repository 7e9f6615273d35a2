namespace MLNet.Nmf;

/// <summary>How <see cref="NmfEstimator"/> reads its training data.</summary>
public enum NmfFitMode
{
    /// <summary>
    /// In memory while the copy fits in a quarter of the memory the GC may use (the machine's, a container's
    /// limit, or <c>DOTNET_GCHeapHardLimit</c>); streamed when reading crosses that budget, or at once, before a row is
    /// read into memory, when <c>IDataView.GetRowCount()</c> tells rows whose copy alone (12 bytes a row) exceeds it (otherwise
    /// the copy's size is only known by reading). The choice and its reason are logged. With an SVD start (<see cref="NmfOptions.Initialization"/> Nndsvd, Nndsvda or Nndsvdar), which
    /// a streamed fit cannot make, data over the budget is refused where reading crosses it instead of streamed.
    /// </summary>
    Auto,

    /// <summary>Copy the column into one in-memory matrix, then iterate (every solver and loss).</summary>
    InMemory,

    /// <summary>
    /// Read the input with cursors, block by block, once per iteration, never holding more than a block of
    /// rows (coordinate descent, Frobenius loss): for data larger than memory.
    /// </summary>
    Streamed,
}
