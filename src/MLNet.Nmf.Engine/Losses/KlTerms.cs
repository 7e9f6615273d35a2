namespace MLNet.Nmf.Engine.Losses;

/// <summary>The pieces of the generalized KL divergence Σ x log(x / y) − x + y.</summary>
internal static class KlTerms
{
    /// <summary>Smallest value treated as non-zero, as scikit-learn's EPSILON (float32 machine epsilon).</summary>
    public const float Epsilon = 1.1920929e-07f;

    /// <summary>
    /// Σ x log(x / y) − x over stored entries with x &gt; ε (y floored at ε). The "+ y" part is added
    /// for all entries at once as Σ_t colsum(W)_t · rowsum(H)_t.
    /// </summary>
    public static double StoredPart(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        double s = 0;
        for (int p = 0; p < x.Length; p++)
        {
            float v = x[p];
            if (v > Epsilon)
                s += v * Math.Log(v / (double)MathF.Max(y[p], Epsilon)) - v;
        }
        return s;
    }
}
