namespace MLNet.Nmf.Engine.Solvers;

/// <summary>
/// The L1 and L2 weights on one factor, already scaled the way scikit-learn scales them
/// (<c>_compute_regularization</c>): W's by the number of features, H's by the number of samples.
/// </summary>
public readonly record struct Penalty(double L1, double L2)
{
    /// <summary>True when both weights are zero (no penalty).</summary>
    public bool IsZero => L1 == 0 && L2 == 0;

    /// <summary>L1 ‖A‖₁ + ½ L2 ‖A‖²_F for a factor.</summary>
    internal double Evaluate(ReadOnlySpan<float> factor)
    {
        if (IsZero)
            return 0;
        var (sum, squares) = Sums(factor);
        return FromSums(sum, squares);
    }

    /// <summary>L1 Σa + ½ L2 Σa² from the sums (of one factor, or of its row blocks added in order).</summary>
    public double FromSums(double sum, double squares) => IsZero ? 0 : L1 * sum + 0.5 * L2 * squares;

    /// <summary>Σ a and Σ a² over a factor's values, in double, in order.</summary>
    internal static (double Sum, double Squares) Sums(ReadOnlySpan<float> factor)
    {
        double sum = 0, squares = 0;
        foreach (float v in factor)
        {
            sum += v;
            squares += (double)v * v;
        }
        return (sum, squares);
    }

    /// <summary>The penalties on W and H of an m x n problem.</summary>
    public static (Penalty W, Penalty H) For(NmfFitOptions options, int rows, int columns)
    {
        ArgumentNullException.ThrowIfNull(options);
        double alphaW = options.AlphaW, alphaH = options.AlphaH ?? options.AlphaW, rho = options.L1Ratio;
        return options.Scale.Apply(new Penalty(columns * alphaW * rho, columns * alphaW * (1 - rho)),
                new Penalty(rows * alphaH * rho, rows * alphaH * (1 - rho)), options.EffectiveBeta);
    }
}
