namespace MLNet.Nmf.Tests.Engine.Support;

/// <summary>A planted non-negative low-rank matrix with noise and a random mask of missing entries.</summary>
internal sealed class Planted
{
    private Planted(int rows, int columns, float[] clean, float[] noisy, bool[] missing)
    {
        Rows = rows;
        Columns = columns;
        Clean = clean;
        Noisy = noisy;
        Missing = missing;
    }

    public int Rows { get; }
    public int Columns { get; }

    /// <summary>W₀H₀ without noise, row-major.</summary>
    public float[] Clean { get; }

    /// <summary>W₀H₀ + N(0, σ²), clipped at 0.</summary>
    public float[] Noisy { get; }

    /// <summary>True where the entry is held out.</summary>
    public bool[] Missing { get; }

    /// <summary>
    /// W₀ (rows x rank) and H₀ (rank x columns) uniform on [0, 1), X = W₀H₀ + N(0, σ²) clipped at 0, and a
    /// uniformly random fraction of the entries marked missing; all from <paramref name="seed"/>.
    /// </summary>
    public static Planted Create(int rows, int columns, int rank, double sigma, double missingFraction, int seed)
    {
        var random = new Random(seed);
        var w = new double[rows * rank];
        var h = new double[rank * columns];
        for (int i = 0; i < w.Length; i++) w[i] = random.NextDouble();
        for (int i = 0; i < h.Length; i++) h[i] = random.NextDouble();
        var clean = new float[rows * columns];
        var noisy = new float[rows * columns];
        var missing = new bool[rows * columns];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++)
            {
                double y = 0;
                for (int t = 0; t < rank; t++) y += w[i * rank + t] * h[t * columns + j];
                clean[i * columns + j] = (float)y;
                noisy[i * columns + j] = (float)Math.Max(0, y + sigma * Gaussian(random));
                missing[i * columns + j] = random.NextDouble() < missingFraction;
            }
        return new Planted(rows, columns, clean, noisy, missing);
    }

    /// <summary>The noisy data with NaN at the missing entries.</summary>
    public float[] WithNaN() => Noisy.Select((v, i) => Missing[i] ? float.NaN : v).ToArray();

    /// <summary>The noisy data with 0 at the missing entries (what ignoring the mask amounts to).</summary>
    public float[] WithZeros() => Noisy.Select((v, i) => Missing[i] ? 0f : v).ToArray();

    /// <summary>Root mean squared error of a prediction against the clean values at the missing entries.</summary>
    public double MissingRmse(ReadOnlySpan<float> prediction)
    {
        double sum = 0;
        int count = 0;
        for (int i = 0; i < Clean.Length; i++)
        {
            if (!Missing[i]) continue;
            double d = prediction[i] - Clean[i];
            sum += d * d;
            count++;
        }
        return Math.Sqrt(sum / count);
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
