namespace MLNet.Nmf;

/// <summary>What a NaN in the data means.</summary>
public enum NmfMissingValues
{
    /// <summary>A NaN is an error: fitting and transforming refuse it and name its row and slot (the default).</summary>
    Error,

    /// <summary>
    /// A NaN marks a missing entry: the objective sums only over the observed entries, in the fit and in the
    /// projection of new rows (a row's features are fitted to its observed slots only), so the reconstruction
    /// w·H predicts the missing ones. In a sparse row the implicit zeros are observed zeros; only an explicit
    /// NaN is missing. Negative and infinite values stay errors. Needs <see cref="NmfSolver.CoordinateDescent"/>
    /// (the Frobenius loss).
    /// </summary>
    Ignore,
}
