using MLNet.Nmf.Engine.Solvers;

namespace MLNet.Nmf.Engine.Matrices;

/// <summary>
/// How a fit rescales data whose magnitude the float arithmetic cannot carry (values near float's limits
/// overflow the products and Gram matrices; values near its smallest normal lose every digit): it fits
/// X' = 2^−<see cref="Exponent"/> · X instead, with W = 2^<see cref="WExponent"/> · W' and
/// H = 2^<see cref="HExponent"/> · H' (the two exponents add up to <see cref="Exponent"/>), and the penalties
/// scaled so that the scaled problem is the original one exactly (d_β(cX, cY) = c^β d_β(X, Y)).
/// Every scaling is by a power of two, hence exact. Data in the ordinary range is not touched at all, so its
/// fit is bit for bit what it was without this class.
/// </summary>
internal readonly record struct DataScale(int Exponent, int WExponent, int HExponent)
{
    /// <summary>Largest values in [2^−20, 2^40] with Σx² ≤ 2^100 are fitted as they are.</summary>
    private const int LowestOrdinary = -20, HighestOrdinary = 40, HighestSquaredNorm = 100;

    /// <summary>No rescaling.</summary>
    public static DataScale None => default;

    /// <summary>True when the data is fitted as it is.</summary>
    public bool IsNone => Exponent == 0;

    /// <summary>The scale for a matrix with these statistics.</summary>
    public static DataScale For(INmfMatrix x, double squaredNorm) => For(Largest(x), squaredNorm);

    /// <summary>The scale for row blocks of one matrix: their largest value and the sum of their squared norms decide, as for the whole.</summary>
    public static DataScale For(IReadOnlyList<INmfMatrix> blocks, double squaredNorm)
    {
        float largest = 0;
        foreach (var block in blocks)
            largest = MathF.Max(largest, Largest(block));
        return For(largest, squaredNorm);
    }

    /// <summary>The largest value of a matrix (0 for an empty or all-zero one).</summary>
    public static float Largest(INmfMatrix x) => Largest(x is DenseMatrix d ? d.Values : ((CsrMatrix)x).Values);

    /// <summary>The largest of <paramref name="values"/> (0 for none or all zeros).</summary>
    public static float Largest(ReadOnlySpan<float> values)
    {
        float largest = 0;
        foreach (float v in values)
            largest = MathF.Max(largest, v);
        return largest;
    }

    /// <summary>The scale for data whose largest value is <paramref name="largest"/> and whose ‖X‖² is <paramref name="squaredNorm"/>.</summary>
    public static DataScale For(float largest, double squaredNorm)
    {
        if (largest == 0 || (largest >= Math.ScaleB(1, LowestOrdinary) && largest <= Math.ScaleB(1, HighestOrdinary)
            && squaredNorm <= Math.ScaleB(1, HighestSquaredNorm)))
            return None;
        int exponent = Math.ILogB(largest); // X' has its largest value in [1, 2)
        // Most of the scale goes to W: the components keep a moderate size, so that their float Gram matrix
        // (used by every later projection) stays finite; W then carries the data's magnitude.
        int h = exponent / 4;
        return new DataScale(exponent, exponent - h, h);
    }

    /// <summary>Most that a penalised fit moves H's exponent towards E/2 (see <see cref="For(INmfMatrix, double, NmfFitOptions)"/>).</summary>
    private const int LargestBalancedComponentsExponent = 50;

    /// <summary>The scale for a matrix with these statistics, fitted with <paramref name="options"/> (see <see cref="Balanced"/>).</summary>
    public static DataScale For(INmfMatrix x, double squaredNorm, NmfFitOptions options) => For(x, squaredNorm).Balanced(options);

    /// <summary>
    /// A penalised fit splits the exponent evenly between W and H (H's at most ±<see cref="LargestBalancedComponentsExponent"/>,
    /// so that the components' float Gram matrix stays finite and above float's smallest normal): with W = 2^(E/2) W' and
    /// H = 2^(E/2) H', data scaled by c = 2^E with penalties α·c^1.5 (L1) and α·c (L2) — the same minimiser as α on the
    /// ordinary data — gives the scaled problem exactly the ordinary problem's weights, so it is fitted as the ordinary
    /// data is. The split favouring W (the unpenalised default) would give the scaled problem weights 2^(±E/4) apart on W and
    /// H, and HALS from its start then zeroed H on data around 1e-30 whose ordinary fit keeps it. An unpenalised fit keeps
    /// the default split (its arithmetic is unchanged).
    /// </summary>
    public DataScale Balanced(NmfFitOptions options)
    {
        if (IsNone || (options.AlphaW == 0 && (options.AlphaH ?? options.AlphaW) == 0))
            return this;
        int h = Math.Clamp(Exponent / 2, -LargestBalancedComponentsExponent, LargestBalancedComponentsExponent);
        return new DataScale(Exponent, Exponent - h, h);
    }

    /// <summary>2^−Exponent · X, sharing the CSR structure.</summary>
    public INmfMatrix Apply(INmfMatrix x) => x switch
    {
        DenseMatrix d => new DenseMatrix(d.Rows, d.Columns, Scale(d.Values, -Exponent), validate: false),
        CsrMatrix c => new CsrMatrix(c.Rows, c.Columns, c.RawRowPointers, c.RawColumnIndices, Scale(c.Values, -Exponent), validate: false),
        _ => throw new ArgumentException($"Unsupported matrix type {x.GetType().Name}.", nameof(x)),
    };

    /// <summary>The options of the scaled problem: a custom start scaled like W and H.</summary>
    public NmfFitOptions Apply(NmfFitOptions options) => IsNone ? options : options with
    {
        InitialW = options.InitialW is { } w ? new DenseMatrix(w.Rows, w.Columns, Scale(w.Values, -WExponent), validate: false) : null,
        InitialH = options.InitialH is { } h ? new DenseMatrix(h.Rows, h.Columns, Scale(h.Values, -HExponent), validate: false) : null,
        Scale = this,
    };

    /// <summary>
    /// The penalties of the scaled problem: with W = 2^a W' the objective divided by 2^(Eβ) weighs ‖W'‖₁ by
    /// L1 · 2^(a − Eβ) and ½‖W'‖² by L2 · 2^(2a − Eβ). A weight that this makes larger than
    /// <see cref="NmfFitOptions.Limits.MaxPenalty"/> (the largest an ordinary fit is given, which every solver carries in
    /// float) is held at it: small data with a penalty meant for ordinary data gets weights up to 2^175 times the data's
    /// size, which overflowed float into NaN factors. Held at the limit such a weight still zeroes every factor (L1: a
    /// coordinate can only be positive where X'·H' exceeds it, and X' is below 2) or shrinks it below 2⁻⁶⁴ of the data
    /// (L2), as the unheld weight does, so the result is that of the exact problem.
    /// </summary>
    public (Penalty W, Penalty H) Apply(Penalty w, Penalty h, double beta) => IsNone ? (w, h) :
        (new Penalty(Held(w.L1 * Math.Pow(2, WExponent - Exponent * beta)), Held(w.L2 * Math.Pow(2, 2 * WExponent - Exponent * beta))),
         new Penalty(Held(h.L1 * Math.Pow(2, HExponent - Exponent * beta)), Held(h.L2 * Math.Pow(2, 2 * HExponent - Exponent * beta))));

    private static double Held(double weight) => Math.Min(weight, NmfFitOptions.Limits.MaxPenalty);

    /// <summary>The factor of a divergence or objective of the scaled problem: 2^(Eβ).</summary>
    public double ObjectiveFactor(double beta) => Math.Pow(2, Exponent * beta);

    /// <summary>2^shift · values (exact unless a value leaves float's range).</summary>
    public static float[] Scale(ReadOnlySpan<float> values, int shift)
    {
        var scaled = new float[values.Length];
        for (int i = 0; i < values.Length; i++)
            scaled[i] = (float)Math.ScaleB(values[i], shift);
        return scaled;
    }
}
