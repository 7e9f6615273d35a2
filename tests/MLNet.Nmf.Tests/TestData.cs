using System.Globalization;
using System.Text.RegularExpressions;
using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Tests;

/// <summary>Real and synthetic matrices for the tests.</summary>
internal static class TestData
{
    public static string DataPath(string file) => Path.Combine(AppContext.BaseDirectory, "Data", file);

    /// <summary>Rows of the real Debian descriptions subset: (package, section, description).</summary>
    public static IReadOnlyList<(string Package, string Section, string Description)> Descriptions() =>
        File.ReadLines(DataPath("debian-small.tsv")).Skip(1)
            .Select(l => l.Split('\t'))
            .Select(p => (p[0], p[1], p[2]))
            .ToArray();

    /// <summary>Log tf-idf of the real descriptions (words of 3+ letters in 2+ documents), rows L2-normalised, as CSR.</summary>
    public static CsrMatrix TextTfidf(int rows = 300)
    {
        var docs = Descriptions().Take(rows)
            .Select(d => Regex.Matches(d.Description.ToLowerInvariant(), "[a-z]{3,}").Select(m => m.Value).ToArray())
            .ToArray();
        var df = docs.SelectMany(d => d.Distinct()).GroupBy(w => w).Where(g => g.Count() >= 2)
            .OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (g.Key, g.Count())).ToArray();
        var vocabulary = df.Select((e, i) => (e.Key, i)).ToDictionary(e => e.Key, e => e.i);
        var ptr = new List<int> { 0 };
        var idx = new List<int>();
        var val = new List<float>();
        foreach (var doc in docs)
        {
            var counts = doc.Where(vocabulary.ContainsKey).GroupBy(w => vocabulary[w]).OrderBy(g => g.Key)
                .Select(g => (Column: g.Key, Weight: (1 + Math.Log(g.Count())) * Math.Log((1.0 + docs.Length) / (1 + df[g.Key].Item2)) + 1))
                .ToArray();
            double norm = Math.Sqrt(counts.Sum(c => c.Weight * c.Weight));
            foreach (var (column, weight) in counts)
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

    /// <summary>A random non-negative matrix with roughly the given density, as dense and as CSR.</summary>
    public static (DenseMatrix Dense, CsrMatrix Sparse) Random(int rows, int columns, double density, int seed)
    {
        var random = new Random(seed);
        var values = new float[rows * columns];
        for (int i = 0; i < values.Length; i++)
            values[i] = random.NextDouble() < density ? (float)random.NextDouble() : 0f;
        for (int i = 0; i < rows; i++)
            values[i * columns + random.Next(columns)] = 0.5f + (float)random.NextDouble(); // no empty rows
        var dense = new DenseMatrix(rows, columns, values);
        return (dense, dense.ToCsr());
    }

    /// <summary>X = W0 · H0 with random non-negative W0 (m x k) and H0 (k x n); with zeros in H0 when sparse.</summary>
    public static DenseMatrix LowRank(int rows, int columns, int rank, int seed, bool withZeros = false)
    {
        var random = new Random(seed);
        var w = new double[rows * rank];
        var h = new double[rank * columns];
        for (int i = 0; i < w.Length; i++) w[i] = random.NextDouble() + 0.1;
        for (int i = 0; i < h.Length; i++) h[i] = withZeros && random.NextDouble() < 0.5 ? 0 : random.NextDouble() + 0.1;
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

    /// <summary>‖X − WH‖_F / ‖X‖_F computed directly in double (an independent check of the engine's figure).</summary>
    public static double RelativeError(DenseMatrix x, DenseMatrix w, DenseMatrix h)
    {
        double error = 0, norm = 0;
        for (int i = 0; i < x.Rows; i++)
            for (int j = 0; j < x.Columns; j++)
            {
                double y = 0;
                for (int t = 0; t < w.Columns; t++) y += (double)w[i, t] * h[t, j];
                double d = x[i, j] - y;
                error += d * d;
                norm += (double)x[i, j] * x[i, j];
            }
        return Math.Sqrt(error / norm);
    }

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
