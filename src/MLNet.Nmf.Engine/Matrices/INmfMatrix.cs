namespace MLNet.Nmf.Engine.Matrices;

/// <summary>
/// A non-negative data matrix X (m x n, rows are samples) that the engine can factorize:
/// either a <see cref="DenseMatrix"/> or a <see cref="CsrMatrix"/>.
/// </summary>
public interface INmfMatrix
{
    /// <summary>Number of rows (samples), m.</summary>
    int Rows { get; }

    /// <summary>Number of columns (features), n.</summary>
    int Columns { get; }

    /// <summary>Number of stored values: m * n when dense, the number of non-zeros when sparse.</summary>
    long StoredCount { get; }
}
