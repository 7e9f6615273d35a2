using System.Globalization;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Solvers;

namespace MLNet.Nmf.Engine.Blocks;

/// <summary>
/// What a block step needs from the components' side for one W update: Hᵀ as the engine stores it, its
/// Gram matrix, the scaled penalties on W, the coordinate order of this iteration and the number of
/// sweeps. Plain arrays and numbers, so it can be sent to the machine that owns a block.
/// </summary>
public sealed class NmfBlockStepInput
{
    /// <summary>Creates the input; the arrays are kept, not copied.</summary>
    /// <param name="rank">k.</param>
    /// <param name="columns">n, the number of features.</param>
    /// <param name="componentsTransposed">
    /// Hᵀ, n x k row-major (entry (feature j, component t) at <c>j * k + t</c>), followed by at least 8 spare
    /// floats that are never read into a result (SIMD kernels may load past the last row): length ≥ n·k + 8.
    /// </param>
    /// <param name="componentsGram">HHᵀ = (Hᵀ)ᵀHᵀ, k x k row-major, in double, without the L2 penalty.</param>
    /// <param name="penaltyW">The scaled penalties on W (<see cref="Penalty.For"/>).</param>
    /// <param name="order">The order in which the k coordinates are visited: a permutation of 0..k-1.</param>
    /// <param name="sweeps">The most coordinate sweeps per row (at least 1).</param>
    /// <exception cref="ArgumentException">An array has the wrong length, <paramref name="order"/> is not a permutation, Hᵀ holds a
    /// negative, NaN or infinite value, or the Gram matrix a NaN or infinite one (the message names the entry).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size or <paramref name="sweeps"/> is below 1, or a penalty is outside
    /// [0, <see cref="NmfFitOptions.Limits.MaxPenalty"/>].</exception>
    public NmfBlockStepInput(int rank, int columns, float[] componentsTransposed, double[] componentsGram, Penalty penaltyW, int[] order, int sweeps)
    {
        ArgumentNullException.ThrowIfNull(componentsTransposed);
        ArgumentNullException.ThrowIfNull(componentsGram);
        ArgumentNullException.ThrowIfNull(order);
        if (rank < 1)
            throw new ArgumentOutOfRangeException(nameof(rank), rank, "rank must be at least 1.");
        if (columns < 1)
            throw new ArgumentOutOfRangeException(nameof(columns), columns, "columns must be at least 1.");
        if (sweeps < 1)
            throw new ArgumentOutOfRangeException(nameof(sweeps), sweeps, "sweeps must be at least 1.");
        if (componentsTransposed.Length < (long)columns * rank + 8)
            throw new ArgumentException(Invariant($"componentsTransposed must hold n*k + 8 = {(long)columns * rank + 8} floats (n x k row-major plus 8 spare) but holds {componentsTransposed.Length}."), nameof(componentsTransposed));
        if (componentsGram.Length != rank * rank)
            throw new ArgumentException(Invariant($"componentsGram must hold k*k = {rank * rank} values but holds {componentsGram.Length}."), nameof(componentsGram));
        if (order.Length != rank || !IsPermutation(order))
            throw new ArgumentException(Invariant($"order must be a permutation of 0..{rank - 1}."), nameof(order));
        // The input may come from elsewhere (another machine): a NaN or negative value in it was swept into NaN or
        // negative features without any error.
        int bad = MatrixChecks.FirstNotFiniteNonNegative(componentsTransposed.AsSpan(0, columns * rank));
        if (bad >= 0)
            throw new ArgumentException(Invariant($"componentsTransposed holds {componentsTransposed[bad]} at feature {bad / rank}, component {bad % rank}; the components must be finite and non-negative."), nameof(componentsTransposed));
        for (int i = 0; i < componentsGram.Length; i++)
            if (!double.IsFinite(componentsGram[i]))
                throw new ArgumentException(Invariant($"componentsGram holds {componentsGram[i]} at row {i / rank}, column {i % rank}; it must be finite."), nameof(componentsGram));
        if (!(penaltyW.L1 >= 0 && penaltyW.L1 <= NmfFitOptions.Limits.MaxPenalty && penaltyW.L2 >= 0 && penaltyW.L2 <= NmfFitOptions.Limits.MaxPenalty))
            throw new ArgumentOutOfRangeException(nameof(penaltyW), penaltyW, Invariant($"The penalties must be in [0, {NmfFitOptions.Limits.MaxPenalty:G6}]."));
        Rank = rank;
        Columns = columns;
        ComponentsTransposed = componentsTransposed;
        ComponentsGram = componentsGram;
        PenaltyW = penaltyW;
        Order = order;
        Sweeps = sweeps;
    }

    /// <summary>k.</summary>
    public int Rank { get; }

    /// <summary>n, the number of features.</summary>
    public int Columns { get; }

    /// <summary>Hᵀ, n x k row-major plus at least 8 spare floats (from <see cref="NmfComponentState.NextStep"/>: the state's own array, valid until its next <see cref="NmfComponentState.Update"/>).</summary>
    public float[] ComponentsTransposed { get; }

    /// <summary>HHᵀ, k x k row-major, without the L2 penalty (from <see cref="NmfComponentState.NextStep"/>: the state's own array, valid until its next <see cref="NmfComponentState.Update"/>).</summary>
    public double[] ComponentsGram { get; }

    /// <summary>The scaled penalties on W.</summary>
    public Penalty PenaltyW { get; }

    /// <summary>The coordinate order of this iteration's W update.</summary>
    public int[] Order { get; }

    /// <summary>The most coordinate sweeps per row.</summary>
    public int Sweeps { get; }

    private static bool IsPermutation(int[] order)
    {
        var seen = new bool[order.Length];
        foreach (int t in order)
        {
            if ((uint)t >= (uint)order.Length || seen[t])
                return false;
            seen[t] = true;
        }
        return true;
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
