using System.Globalization;
using System.Text.RegularExpressions;
using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Tests;

/// <summary>Real and synthetic matrices for the tests.</summary>
/// <remarks>
/// Real data, copied into <c>Data/</c> from <c>/work/shared/data</c>: <c>debian-small.tsv</c> holds 300
/// Debian package descriptions (Package, Section, Description cut to 400 characters) and
/// <c>digits-300.csv</c> the first 300 rows of the 8x8 handwritten digits (pixels 0..16, then the label).
/// </remarks>
internal static class TestData
{
    public static string DataPath(string file) => Path.Combine(AppContext.BaseDirectory, "Data", file);

    /// <summary>Rows of the real Debian descriptions subset: (package, section, description).</summary>
    public static IReadOnlyList<(string Package, string Section, string Description)> Descriptions() =>
        File.ReadLines(DataPath("debian-small.tsv")).Skip(1)
            .Select(l => l.Split('\t'))
            .Select(p => (p[0], p[1], p[2]))
            .ToArray();

    /// <summary>
    /// Tf-idf of the first <paramref name="rows"/> real descriptions as CSR: lowercase words of 3+ letters
    /// that occur in 2+ of them, weight (1 + ln tf) · (ln((1 + N) / (1 + df)) + 1) (scikit-learn's smoothed,
    /// sublinear tf-idf), each row L2-normalised.
    /// </summary>
    public static CsrMatrix TextTfidf(int rows = 300)
    {
        var docs = Descriptions().Take(rows)
            .Select(d => Regex.Matches(d.Description.ToLowerInvariant(), "[a-z]{3,}").Select(m => m.Value).ToArray())
            .ToArray();
        var documentFrequency = docs.SelectMany(d => d.Distinct()).GroupBy(w => w).Where(g => g.Count() >= 2)
            .OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (Word: g.Key, Count: g.Count())).ToArray();
        var vocabulary = documentFrequency.Select((e, i) => (e.Word, i)).ToDictionary(e => e.Word, e => e.i);
        var ptr = new List<int> { 0 };
        var idx = new List<int>();
        var val = new List<float>();
        foreach (var doc in docs)
        {
            var weights = doc.Where(vocabulary.ContainsKey).GroupBy(w => vocabulary[w]).OrderBy(g => g.Key)
                .Select(g => (Column: g.Key, Weight: (1 + Math.Log(g.Count())) * (Math.Log((1.0 + docs.Length) / (1 + documentFrequency[g.Key].Count)) + 1)))
                .ToArray();
            double norm = Math.Sqrt(weights.Sum(c => c.Weight * c.Weight));
            foreach (var (column, weight) in weights)
            {
                idx.Add(column);
                val.Add((float)(weight / norm));
            }
            ptr.Add(idx.Count);
        }
        return new CsrMatrix(docs.Length, vocabulary.Count, ptr.ToArray(), idx.ToArray(), val.ToArray());
    }

    /// <summary>The first rows of the real 8x8 digits (pixels 0..16), dense.</summary>
    public static DenseMatrix Digits(int rows = 300)
    {
        var lines = File.ReadLines(DataPath("digits-300.csv")).Skip(1).Take(rows).ToArray();
        var values = new float[lines.Length * 64];
        for (int i = 0; i < lines.Length; i++)
        {
            var parts = lines[i].Split(',');
            for (int j = 0; j < 64; j++)
                values[i * 64 + j] = float.Parse(parts[j], CultureInfo.InvariantCulture);
        }
        return new DenseMatrix(lines.Length, 64, values);
    }

    /// <summary>A random non-negative matrix with roughly the given density (no empty row), as dense and as CSR.</summary>
    public static (DenseMatrix Dense, CsrMatrix Sparse) Random(int rows, int columns, double density, int seed)
    {
        var random = new Random(seed);
        var values = new float[rows * columns];
        for (int i = 0; i < values.Length; i++)
            values[i] = random.NextDouble() < density ? (float)random.NextDouble() : 0f;
        for (int i = 0; i < rows; i++)
            values[i * columns + random.Next(columns)] = 0.5f + (float)random.NextDouble();
        var dense = new DenseMatrix(rows, columns, values);
        return (dense, dense.ToCsr());
    }

    /// <summary>A matrix of the given shape with seeded values in [low, high) (used for custom starts).</summary>
    public static DenseMatrix Uniform(int rows, int columns, int seed, float low = 0.1f, float high = 1f)
    {
        var random = new Random(seed);
        return new DenseMatrix(rows, columns, Enumerable.Range(0, rows * columns).Select(_ => low + (high - low) * (float)random.NextDouble()).ToArray());
    }

    /// <summary>
    /// X = W0 · H0 (computed in double, then rounded) with random non-negative W0 (m x k) and H0 (k x n).
    /// With <paramref name="withZeros"/>, about half the entries of W0 and of H0 are exact zeros (each row
    /// of W0 and column of H0 keeps one non-zero), so X has scattered exact zeros too.
    /// </summary>
    public static DenseMatrix LowRank(int rows, int columns, int rank, int seed, bool withZeros = false)
    {
        var random = new Random(seed);
        var w = new double[rows * rank];
        var h = new double[rank * columns];
        for (int i = 0; i < w.Length; i++) w[i] = withZeros && random.NextDouble() < 0.5 ? 0 : random.NextDouble() + 0.1;
        for (int i = 0; i < h.Length; i++) h[i] = withZeros && random.NextDouble() < 0.5 ? 0 : random.NextDouble() + 0.1;
        for (int i = 0; i < rows; i++) w[i * rank + random.Next(rank)] = random.NextDouble() + 0.1;
        for (int j = 0; j < columns; j++) h[random.Next(rank) * columns + j] = random.NextDouble() + 0.1;
        var x = new float[rows * columns];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++)
            {
                double s = 0;
                for (int t = 0; t < rank; t++) s += w[i * rank + t] * h[t * columns + j];
                x[i * columns + j] = (float)s;
            }
        return new DenseMatrix(rows, columns, x);
    }

    /// <summary>The matrix in dense form (a copy when it is CSR).</summary>
    public static DenseMatrix AsDense(INmfMatrix x) => x as DenseMatrix ?? ((CsrMatrix)x).ToDense();

    public static int CountZeros(DenseMatrix m)
    {
        int zeros = 0;
        foreach (float v in m.Values) if (v == 0f) zeros++;
        return zeros;
    }

    public static double SquaredNorm(DenseMatrix m)
    {
        double s = 0;
        foreach (float v in m.Values) s += (double)v * v;
        return s;
    }
}
