namespace MLNet.Nmf;

/// <summary>What a column appended by <see cref="NmfReconstructionTransformer"/> holds.</summary>
public enum NmfReconstructionOutput
{
    /// <summary>The row's features w (known-size vector of Single, length rank), as <see cref="NmfTransformer"/> appends.</summary>
    Features,

    /// <summary>The reconstruction x̂ = w·H (known-size vector of Single, one value per input slot, missing ones included).</summary>
    Reconstruction,

    /// <summary>The root mean square of x − x̂ over the row's observed slots (Single; NaN, the missing value, when no slot is observed:
    /// nothing was measured, which 0 would report as a perfect reconstruction).</summary>
    Error,
}
