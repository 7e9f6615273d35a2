namespace MLNet.Nmf.Tests.Engine.Support;

/// <summary>How the data matrix is given to the engine: <c>DenseMatrix</c> or <c>CsrMatrix</c>.</summary>
public enum Storage
{
    Dense,
    Sparse,
}
