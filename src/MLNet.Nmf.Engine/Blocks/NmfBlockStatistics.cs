using System.Globalization;

namespace MLNet.Nmf.Engine.Blocks;

/// <summary>
/// What one or more row blocks of X contribute to the update of the components H after their features
/// W_b were updated (<see cref="NmfBlockStep.Update"/>): plain arrays and numbers, so that a block's
/// statistics can be sent between machines and summed there.
/// </summary>
/// <remarks>
/// Sums of several blocks are formed with <see cref="Add"/> in block order, in double; the components'
/// update rounds <see cref="CrossProduct"/> to float once (so a single block gives exactly the float
/// product X_bᵀW_b it computed). Adding in any other order changes the last bits of the result.
/// </remarks>
public sealed class NmfBlockStatistics
{
    /// <summary>Zeroed statistics for rank <paramref name="rank"/> and <paramref name="columns"/> features: the start of a sum.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1, or k·n does not fit in an array.</exception>
    public NmfBlockStatistics(int rank, int columns)
        : this(rank, columns, 0, new double[Size(rank, rank, nameof(rank))], new double[Size(columns, rank, nameof(columns))], 0, 0, 0, 0)
    {
    }

    /// <summary>Zeroed statistics whose arrays come from <see cref="Memory.BufferPool"/>: a driver's scratch, given back with <see cref="ReturnToPool"/>.</summary>
    internal static NmfBlockStatistics RentPooled(int rank, int columns) =>
        new(rank, columns, 0, new double[Size(rank, rank, nameof(rank))],
            Memory.BufferPool.RentDoublesExact(Size(columns, rank, nameof(columns))), 0, 0, 0, 0);

    /// <summary>Gives the pooled arrays back; the statistics must not be used afterwards.</summary>
    internal void ReturnToPool() => Memory.BufferPool.Return(_crossProduct);

    /// <summary>
    /// Statistics of a fit on one block: the step leaves its float X_bᵀW_b in place (<see cref="FloatCrossProduct"/>)
    /// instead of widening it into n·k doubles that the components' update would only round back to the same floats.
    /// <see cref="CrossProduct"/> then returns a fresh widened copy; <see cref="Add"/> is not available.
    /// </summary>
    internal static NmfBlockStatistics ForOneBlock(int rank, int columns) => new(rank, columns, oneBlock: true);

    private NmfBlockStatistics(int rank, int columns, bool oneBlock)
    {
        Rank = rank;
        Columns = columns;
        Gram = new double[Size(rank, rank, nameof(rank))];
        _ = Size(columns, rank, nameof(columns));
        IsOneBlock = oneBlock;
    }

    /// <summary>True for <see cref="ForOneBlock"/> statistics.</summary>
    internal bool IsOneBlock { get; }

    /// <summary>The step's own float X_bᵀW_b (n x k, possibly a longer buffer) for <see cref="ForOneBlock"/> statistics; valid until the step's next update.</summary>
    internal float[]? FloatCrossProduct { get; set; }

    /// <summary>Statistics from their parts (e.g. received from another machine); the arrays are kept, not copied.</summary>
    /// <param name="rank">k.</param>
    /// <param name="columns">n, the number of features (columns of X).</param>
    /// <param name="rows">Rows of X summed.</param>
    /// <param name="gram">Σ W_bᵀW_b, k x k row-major: entry (s, t) at <c>s * k + t</c>.</param>
    /// <param name="crossProduct">Σ X_bᵀW_b, n x k row-major: entry (feature j, component t) at <c>j * k + t</c>.</param>
    /// <param name="violation">Σ of the W-side projected-gradient violation.</param>
    /// <param name="dataSquaredNorm">Σ x² over the rows.</param>
    /// <param name="featureSum">Σ w over the features (0 when W carries no penalty).</param>
    /// <param name="featureSquares">Σ w² over the features (0 when W carries no penalty).</param>
    /// <exception cref="ArgumentException">An array has the wrong length for <paramref name="rank"/> and <paramref name="columns"/>, or
    /// holds a NaN or infinite value (the message names the array and the entry).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1, <paramref name="rows"/> is negative, the violation is not
    /// finite, or a sum of squares or of features is negative or not finite.</exception>
    public NmfBlockStatistics(int rank, int columns, long rows, double[] gram, double[] crossProduct,
        double violation, double dataSquaredNorm, double featureSum, double featureSquares)
    {
        ArgumentNullException.ThrowIfNull(gram);
        ArgumentNullException.ThrowIfNull(crossProduct);
        Positive(rank, nameof(rank));
        Positive(columns, nameof(columns));
        if (gram.Length != (long)rank * rank)
            throw new ArgumentException(Invariant($"gram must hold k*k = {(long)rank * rank} values but holds {gram.Length}."), nameof(gram));
        if (crossProduct.Length != (long)columns * rank)
            throw new ArgumentException(Invariant($"crossProduct must hold n*k = {(long)columns * rank} values but holds {crossProduct.Length}."), nameof(crossProduct));
        // Statistics from their parts come from elsewhere (another machine, a file): a NaN or infinity in them would be
        // fitted into NaN components without any error, so they are refused here, named.
        if (rows < 0)
            throw new ArgumentOutOfRangeException(nameof(rows), rows, "rows must be >= 0.");
        CheckFinite(gram, rank, nameof(gram));
        CheckFinite(crossProduct, rank, nameof(crossProduct));
        if (!double.IsFinite(violation))
            throw new ArgumentOutOfRangeException(nameof(violation), violation, "violation must be a finite number.");
        NonNegative(dataSquaredNorm, nameof(dataSquaredNorm));
        NonNegative(featureSum, nameof(featureSum));
        NonNegative(featureSquares, nameof(featureSquares));
        Rank = rank;
        Columns = columns;
        Rows = rows;
        Gram = gram;
        _crossProduct = crossProduct;
        Violation = violation;
        DataSquaredNorm = dataSquaredNorm;
        FeatureSum = featureSum;
        FeatureSquares = featureSquares;
    }

    /// <summary>k, the number of components.</summary>
    public int Rank { get; }

    /// <summary>n, the number of features (columns of X).</summary>
    public int Columns { get; }

    /// <summary>Number of rows of X these statistics cover.</summary>
    public long Rows { get; private set; }

    /// <summary>Σ W_bᵀW_b, k x k row-major (entry (s, t) at <c>s * k + t</c>).</summary>
    public double[] Gram { get; }

    /// <summary>Σ X_bᵀW_b, n x k row-major (entry (feature j, component t) at <c>j * k + t</c>), i.e. (W X)ᵀ in Hᵀ's layout.</summary>
    public double[] CrossProduct => _crossProduct ?? WidenedFloatCrossProduct();

    private readonly double[]? _crossProduct;

    private double[] WidenedFloatCrossProduct()
    {
        var widened = new double[(long)Columns * Rank];
        if (FloatCrossProduct is { } product)
            for (int i = 0; i < widened.Length; i++)
                widened[i] = product[i];
        return widened;
    }

    /// <summary>Σ of the projected-gradient violations of the W updates (0 for <see cref="NmfBlockStep.Measure"/>).</summary>
    public double Violation { get; private set; }

    /// <summary>Σ x² over the rows covered.</summary>
    public double DataSquaredNorm { get; private set; }

    /// <summary>Σ w over the features W_b (computed only when W carries a penalty; 0 otherwise).</summary>
    public double FeatureSum { get; private set; }

    /// <summary>Σ w² over the features W_b (computed only when W carries a penalty; 0 otherwise).</summary>
    public double FeatureSquares { get; private set; }

    /// <summary>Adds the statistics of the next block (in block order), in double.</summary>
    /// <exception cref="ArgumentException">The other statistics have another rank or feature count.</exception>
    public void Add(NmfBlockStatistics next)
    {
        ArgumentNullException.ThrowIfNull(next);
        if (next.Rank != Rank || next.Columns != Columns)
            throw new ArgumentException(Invariant($"Cannot add statistics of rank {next.Rank} with {next.Columns} features to statistics of rank {Rank} with {Columns} features."), nameof(next));
        if (IsOneBlock)
            throw new InvalidOperationException("Statistics of a one-block fit cannot be summed; create them with new NmfBlockStatistics(rank, columns).");
        Rows += next.Rows;
        for (int i = 0; i < Gram.Length; i++)
            Gram[i] += next.Gram[i];
        var sum = CrossProduct.AsSpan();
        var add = next.CrossProduct.AsSpan();
        for (int i = 0; i < sum.Length; i++)
            sum[i] += add[i];
        Violation += next.Violation;
        DataSquaredNorm += next.DataSquaredNorm;
        FeatureSum += next.FeatureSum;
        FeatureSquares += next.FeatureSquares;
    }

    /// <summary>Resets every sum to zero, keeping the arrays (to reuse the object for the next iteration).</summary>
    public void Clear()
    {
        Array.Clear(Gram);
        if (_crossProduct is not null)
            Array.Clear(_crossProduct);
        FloatCrossProduct = null;
        Rows = 0;
        Violation = DataSquaredNorm = FeatureSum = FeatureSquares = 0;
    }

    internal void SetScalars(long rows, double violation, double dataSquaredNorm, double featureSum, double featureSquares)
    {
        Rows = rows;
        Violation = violation;
        DataSquaredNorm = dataSquaredNorm;
        FeatureSum = featureSum;
        FeatureSquares = featureSquares;
    }

    private static void CheckFinite(double[] values, int rank, string name)
    {
        for (int i = 0; i < values.Length; i++)
            if (!double.IsFinite(values[i]))
                throw new ArgumentException(Invariant($"{name} holds {values[i]} at row {i / rank}, column {i % rank}; block statistics must be finite (were they corrupted on the way?)."), name);
    }

    private static void NonNegative(double value, string name)
    {
        if (!(value >= 0 && double.IsFinite(value)))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number >= 0.");
    }

    private static int Positive(int value, string name) =>
        value >= 1 ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be at least 1.");

    /// <summary>a·b as an array length, after checking both sizes.</summary>
    private static int Size(int a, int b, string name)
    {
        Positive(a, name);
        Positive(b, "rank");
        long size = (long)a * b;
        return size <= Array.MaxLength ? (int)size
            : throw new ArgumentOutOfRangeException(name, a, Invariant($"{a} x {b} = {size} values are too many for one array."));
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
