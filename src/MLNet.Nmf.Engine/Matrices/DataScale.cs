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
    /// L1 · 2^(a − Eβ) and ½‖W'‖² by L2 · 2^(2a − Eβ).
    /// </summary>
    public (Penalty W, Penalty H) Apply(Penalty w, Penalty h, double beta) => IsNone ? (w, h) :
        (new Penalty(w.L1 * Math.Pow(2, WExponent - Exponent * beta), w.L2 * Math.Pow(2, 2 * WExponent - Exponent * beta)),
         new Penalty(h.L1 * Math.Pow(2, HExponent - Exponent * beta), h.L2 * Math.Pow(2, 2 * HExponent - Exponent * beta)));

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
