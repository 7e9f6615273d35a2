namespace MLNet.Nmf.Tests.Engine.Support;

/// <summary>Random non-negative values of a chosen magnitude, for fits of data or starts far from 1.</summary>
public static class Magnitude
{
    /// <summary><paramref name="rows"/> x <paramref name="columns"/> values uniform in [0, <paramref name="scale"/>), a share of them 0.</summary>
    public static float[] Values(int rows, int columns, int seed, float scale, double zeroShare = 0.3)
    {
        var random = new Random(seed);
        var values = new float[rows * columns];
        for (int i = 0; i < values.Length; i++)
            values[i] = random.NextDouble() < zeroShare ? 0f : (float)random.NextDouble() * scale;
        return values;
    }

    /// <summary>Values uniform in [<paramref name="scale"/> / 2, <paramref name="scale"/>): none 0, the largest just below the scale.</summary>
    public static float[] Positive(int rows, int columns, int seed, double scale)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, rows * columns).Select(_ => (float)(scale * (0.5 + 0.5 * random.NextDouble()))).ToArray();
    }

    /// <summary>True when every value is 0.</summary>
    public static bool AllZero(ReadOnlySpan<float> values)
    {
        foreach (float v in values)
            if (v != 0f)
                return false;
        return true;
    }
}
