using System.Globalization;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Nmf;

// Parts-based features of the 8x8 handwritten digits: NMF with 16 components, drawn as an image
// grid, a few digits beside their reconstructions from 16 numbers each, and the loss per iteration.
var ml = new MLContext(seed: 0);
var data = ml.Data.LoadFromTextFile<Digit>(Path.Combine(AppContext.BaseDirectory, "Data", "digits.csv"), separatorChar: ',', hasHeader: true);
var model = ml.Transforms.NonNegativeMatrixFactorization(new NmfOptions
{
    OutputColumnName = "Parts",
    InputColumnName = nameof(Digit.Pixels),
    Rank = 16,
    MaximumIterations = 500,
}).Fit(data);
var nmf = model.Model;
Console.WriteLine($"NMF of {nmf.FeatureCount}-pixel digits into {nmf.Rank} parts: {nmf.Iterations} iterations, " +
                  $"converged: {nmf.Converged}, relative error {nmf.ReconstructionError:F4}.");

string output = Path.Combine(Directory.GetCurrentDirectory(), "output");
Directory.CreateDirectory(output);

// 1. The components as 8x8 images, 4 x 4.
var parts = Enumerable.Range(0, nmf.Rank).Select(t => nmf.GetComponent(t).ToArray()).ToArray();
File.WriteAllText(Path.Combine(output, "parts.svg"), Svg.Grid(parts, columns: 4, title: "NMF parts (16 components)"));

// 2. Eight digits and their reconstructions w·H from 16 non-negative numbers each.
var rows = ml.Data.CreateEnumerable<DigitParts>(model.Transform(data), reuseRowObject: false).Take(8).ToArray();
var pairs = rows.SelectMany(r => new[] { r.Pixels, nmf.Reconstruct(r.Parts) }).ToArray();
File.WriteAllText(Path.Combine(output, "reconstructions.svg"), Svg.Grid(pairs, columns: 2, title: "original | reconstruction"));
double meanError = rows.Average(r => Math.Sqrt(r.Pixels.Zip(nmf.Reconstruct(r.Parts), (a, b) => (a - b) * (a - b)).Sum() / r.Pixels.Sum(v => v * v)));
Console.WriteLine($"Eight digits rebuilt from their parts: mean relative error {meanError:F3}.");

// 3. The objective per iteration.
File.WriteAllText(Path.Combine(output, "loss.svg"), Svg.Line(nmf.LossHistory.ToArray(), "objective per iteration"));
Console.WriteLine($"Wrote {Path.Combine(output, "parts.svg")}, reconstructions.svg and loss.svg.");

internal sealed class Digit
{
    [LoadColumn(0, 63), VectorType(64)] public float[] Pixels { get; set; } = Array.Empty<float>();
    [LoadColumn(64)] public float Label { get; set; }
}

internal sealed class DigitParts
{
    [VectorType(64)] public float[] Pixels { get; set; } = Array.Empty<float>();
    public float[] Parts { get; set; } = Array.Empty<float>();
}

/// <summary>Tiny SVG writers: grayscale 8x8 tiles and a line plot.</summary>
internal static class Svg
{
    public static string Grid(IReadOnlyList<float[]> images, int columns, string title)
    {
        const int cell = 10, tile = 8 * cell, gap = 8, top = 24;
        int rows = (images.Count + columns - 1) / columns;
        var svg = Header(columns * (tile + gap) + gap, top + rows * (tile + gap), title);
        for (int n = 0; n < images.Count; n++)
        {
            var image = images[n];
            float max = Math.Max(image.Max(), 1e-12f);
            int x0 = gap + n % columns * (tile + gap), y0 = top + n / columns * (tile + gap);
            for (int p = 0; p < 64; p++)
            {
                int shade = 255 - (int)Math.Round(255 * Math.Clamp(image[p] / max, 0, 1));
                svg.Append(Invariant($"<rect x='{x0 + p % 8 * cell}' y='{y0 + p / 8 * cell}' width='{cell}' height='{cell}' fill='rgb({shade},{shade},{shade})'/>"));
            }
        }
        return svg.Append("</svg>").ToString();
    }

    public static string Line(double[] values, string title)
    {
        const int width = 480, height = 240, margin = 30;
        double min = values.Min(), max = values.Max(), span = Math.Max(max - min, 1e-12);
        var points = values.Select((v, i) => Invariant(
            $"{margin + (width - 2 * margin) * i / (double)Math.Max(1, values.Length - 1):F1},{height - margin - (height - 2 * margin) * (v - min) / span:F1}"));
        return Header(width, height, title)
            .Append(Invariant($"<polyline fill='none' stroke='steelblue' stroke-width='2' points='{string.Join(' ', points)}'/>"))
            .Append(Invariant($"<text x='{margin}' y='{height - 8}' font-size='11'>iteration 0 … {values.Length - 1}; objective {max:G4} → {min:G4}</text>"))
            .Append("</svg>").ToString();
    }

    private static StringBuilder Header(int width, int height, string title) => new StringBuilder()
        .Append(Invariant($"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' viewBox='0 0 {width} {height}'>"))
        .Append(Invariant($"<rect width='{width}' height='{height}' fill='white'/><text x='8' y='16' font-family='sans-serif' font-size='13'>{title}</text>"));

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
