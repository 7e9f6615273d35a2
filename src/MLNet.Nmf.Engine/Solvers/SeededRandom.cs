namespace MLNet.Nmf.Engine.Solvers;

/// <summary>
/// A small, fully specified random source (SplitMix64), so that a seed gives the same numbers on every
/// runtime and platform; System.Random makes no such promise across versions.
/// </summary>
internal sealed class SeededRandom
{
    private ulong _state;
    private double? _spare;

    public SeededRandom(ulong seed) => _state = seed;

    /// <summary>
    /// The source positioned so that its next <see cref="NextGaussian"/> is the <paramref name="index"/>-th
    /// (0-based) one that a fresh source with this seed would give: SplitMix64 is a counter, so any
    /// position can be reached without drawing the numbers before it.
    /// </summary>
    public static SeededRandom AtGaussian(ulong seed, ulong index)
    {
        // Gaussians come in Box-Muller pairs, each from two uniforms: pair p uses draws 2p and 2p + 1.
        ulong pair = index / 2;
        var random = new SeededRandom(unchecked(seed + 2 * pair * 0x9E3779B97F4A7C15UL));
        if (index % 2 == 1)
            random.NextGaussian();
        return random;
    }

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Standard normal (Box-Muller, pairs cached).</summary>
    public double NextGaussian()
    {
        if (_spare is double s)
        {
            _spare = null;
            return s;
        }
        double u1 = 1.0 - NextDouble(), u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        _spare = r * Math.Sin(2 * Math.PI * u2);
        return r * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Fisher-Yates shuffle.</summary>
    public void Shuffle(int[] items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = (int)(NextUInt64() % (ulong)(i + 1));
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
