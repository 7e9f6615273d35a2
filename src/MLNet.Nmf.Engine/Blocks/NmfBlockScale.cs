using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Engine.Blocks;

/// <summary>
/// The exact power-of-two rescaling that <see cref="NmfEngine.Fit"/>, <see cref="NmfEngine.FitBlocks"/> and the streamed
/// fit apply to data whose magnitude float products cannot carry (largest value outside [2⁻²⁰, 2⁴⁰], or ‖X‖² above
/// 2¹⁰⁰), for a driver that owns the blocks itself (the cluster fit): decide it from every block's largest value and
/// the summed squared norm, fit 2^−<see cref="Exponent"/>·X (each block through <see cref="Apply(INmfMatrix)"/>, the
/// options through <see cref="Apply(NmfFitOptions)"/>), and scale the components back with
/// <see cref="UnscaleComponents"/> and the objectives with <see cref="ObjectiveFactor"/>. Ordinary data gets
/// <see cref="IsNone"/> and is fitted as it is, bit for bit.
/// </summary>
public readonly record struct NmfBlockScale
{
    private readonly DataScale _scale;

    private NmfBlockScale(DataScale scale) => _scale = scale;

    /// <summary>The scale for data whose largest value is <paramref name="largest"/> and ‖X‖² <paramref name="squaredNorm"/>, fitted with <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="largest"/> or <paramref name="squaredNorm"/> is negative, NaN or infinite.</exception>
    public static NmfBlockScale For(float largest, double squaredNorm, NmfFitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // NaN (e.g. the Largest of a block with missing entries) gave an exponent of int.MaxValue: a scale of garbage.
        if (!(largest >= 0 && float.IsFinite(largest)))
            throw new ArgumentOutOfRangeException(nameof(largest), largest, "largest (the data's largest value) must be a finite number >= 0.");
        if (!(squaredNorm >= 0 && double.IsFinite(squaredNorm)))
            throw new ArgumentOutOfRangeException(nameof(squaredNorm), squaredNorm, "squaredNorm (Σ x² over X) must be a finite number >= 0.");
        return new(DataScale.For(largest, squaredNorm).Balanced(options));
    }

    /// <summary>The scale with these exponents (as recorded from <see cref="Exponent"/> and <see cref="ComponentsExponent"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An exponent is outside what a float can be scaled by (±300), or the components' is non-zero without the data's.</exception>
    public static NmfBlockScale FromExponents(int exponent, int componentsExponent)
    {
        // Not Math.Abs: it throws OverflowException for int.MinValue.
        if (exponent is < -300 or > 300)
            throw new ArgumentOutOfRangeException(nameof(exponent), exponent, "exponent must be in [-300, 300] (what a float can be scaled by).");
        if (componentsExponent is < -300 or > 300)
            throw new ArgumentOutOfRangeException(nameof(componentsExponent), componentsExponent, "componentsExponent must be in [-300, 300] (what a float can be scaled by).");
        if (exponent == 0 && componentsExponent != 0)
            throw new ArgumentOutOfRangeException(nameof(componentsExponent), componentsExponent, "Unscaled data has unscaled components.");
        return new(new DataScale(exponent, exponent - componentsExponent, componentsExponent));
    }

    /// <summary>The largest value of a block (0 for an empty or all-zero one).</summary>
    /// <exception cref="ArgumentException">The block is neither a <see cref="DenseMatrix"/> nor a <see cref="CsrMatrix"/>.</exception>
    public static float Largest(INmfMatrix block)
    {
        ArgumentNullException.ThrowIfNull(block);
        if (block is not (DenseMatrix or CsrMatrix))
            throw new ArgumentException($"Unsupported matrix type {block.GetType().Name}; use DenseMatrix or CsrMatrix.", nameof(block));
        return DataScale.Largest(block);
    }

    /// <summary>True when the data is fitted as it is.</summary>
    public bool IsNone => _scale.IsNone;

    /// <summary>E: the fit sees 2^−E · X.</summary>
    public int Exponent => _scale.Exponent;

    /// <summary>H = 2^ComponentsExponent · H' (W takes the rest of E).</summary>
    public int ComponentsExponent => _scale.HExponent;

    /// <summary>2^−E · X (exact), sharing a CSR block's structure; the block itself when <see cref="IsNone"/>.</summary>
    public INmfMatrix Apply(INmfMatrix block)
    {
        ArgumentNullException.ThrowIfNull(block);
        return IsNone ? block : _scale.Apply(block);
    }

    /// <summary>The options of the scaled problem (its penalties scaled with the data).</summary>
    public NmfFitOptions Apply(NmfFitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return _scale.Apply(options);
    }

    /// <summary>The factor of an objective or divergence of the scaled problem (Frobenius): 2^(2E).</summary>
    public double ObjectiveFactor => _scale.ObjectiveFactor(2.0);

    /// <summary>
    /// H (k x n, row-major) from the scaled problem's H' (k x n): 2^ComponentsExponent · H', exactly.
    /// </summary>
    /// <exception cref="ArgumentException">Float cannot hold the components of this data (the message says what to do).</exception>
    public float[] UnscaleComponents(ReadOnlySpan<float> scaledComponents, int rank, int columns) =>
        NmfEngine.UnscaleComponents(scaledComponents, _scale, rank, columns, nameof(scaledComponents));
}
