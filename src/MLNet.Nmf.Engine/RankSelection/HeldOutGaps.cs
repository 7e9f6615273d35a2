using MLNet.Nmf.Engine.Solvers;

namespace MLNet.Nmf.Engine.RankSelection;

/// <summary>
/// The gaps between held-out entries of one mask: how many observed entries, in row-major order, come before the next
/// held-out one. Holding out each entry independently with probability p is the same as drawing these gaps, each
/// geometric (P(gap = g) = (1 − p)^g · p), so that a mask costs one draw per held-out entry instead of one per entry:
/// gap = ⌊ln u / ln(1 − p)⌋ with u uniform in (0, 1] (inversion: P(gap ≥ g) = P(u ≤ (1 − p)^g) = (1 − p)^g).
/// Drawn in order from one seeded generator (SplitMix64), so the same seed gives the same gaps on every machine and
/// whatever the thread count.
/// </summary>
internal sealed class HeldOutGaps
{
    /// <summary>
    /// A gap past every entry a matrix can have (fewer than 2³¹ rows and columns: (2³¹ − 1)² &lt; 2⁶²), with room to add
    /// a row's columns to it in a long.
    /// </summary>
    public const long Beyond = long.MaxValue / 2;

    private readonly SeededRandom _random;
    private readonly double _logKeep;
    private long _forced;

    /// <param name="fraction">The probability p of holding out an entry, in (0, 0.5].</param>
    /// <param name="seed">The mask's seed.</param>
    /// <param name="forced">When at least 0: instead of drawn gaps, hold out the observed entry of this number (from 0) and no other.</param>
    public HeldOutGaps(double fraction, int seed, long forced = -1)
    {
        _random = new SeededRandom((ulong)(uint)seed ^ 0x9E3779B97F4A7C15UL);
        // ln(1 − p); its series where 1 − p would round away p's digits (the error, p⁵/5, is below double's precision there).
        _logKeep = fraction < 1e-4 ? -fraction * (1 + fraction * (0.5 + fraction * (1.0 / 3 + fraction * 0.25))) : Math.Log(1 - fraction);
        _forced = forced;
    }

    /// <summary>Numbers the generator has given (one per gap drawn, and the one <see cref="NextUniform"/> gives).</summary>
    public long Draws { get; private set; }

    /// <summary>The next gap, or <see cref="Beyond"/> when it passes every entry.</summary>
    public long Next()
    {
        if (_forced >= 0)
        {
            (long gap, _forced) = (_forced, long.MinValue);
            return gap;
        }
        if (_forced == long.MinValue)
            return Beyond;
        double gapOrMore = Math.Floor(Math.Log(1 - NextUniform()) / _logKeep); // 1 − [0, 1) = (0, 1]: ln finite, at most 0
        return gapOrMore < Beyond ? (long)gapOrMore : Beyond;
    }

    /// <summary>The generator's next number, uniform in [0, 1).</summary>
    public double NextUniform()
    {
        Draws++;
        return _random.NextDouble();
    }
}
