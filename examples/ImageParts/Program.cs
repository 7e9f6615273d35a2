using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Nmf;

// Parts-based features of the 8x8 handwritten digits: NMF with 16 components, drawn as a grid of parts, a few digits
// beside their reconstructions from 16 numbers each, and the objective per iteration on a log scale (PNG, ScottPlot).
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

string output = Plots.OutputDirectory();

// 1. The components as 8x8 images, 4 x 4, each with its index.
var parts = Enumerable.Range(0, nmf.Rank).Select(t => nmf.GetComponent(t).ToArray()).ToArray();
Plots.Grid(parts, columns: 4, labels: Enumerable.Range(0, nmf.Rank).Select(t => $"part {t}").ToArray(),
    title: $"The {nmf.Rank} NMF parts of the digits (rows of H)", Path.Combine(output, "parts.png"));

// 2. Eight digits and their reconstructions w·H from 16 non-negative numbers each.
var rows = ml.Data.CreateEnumerable<DigitParts>(model.Transform(data), reuseRowObject: false).Take(8).ToArray();
var pairs = rows.SelectMany(r => new[] { r.Pixels, nmf.Reconstruct(r.Parts) }).ToArray();
var pairLabels = rows.SelectMany((r, i) => new[] { $"digit {i}", $"from {nmf.Rank} parts" }).ToArray();
Plots.Grid(pairs, columns: 4, labels: pairLabels, title: "Digits and their reconstructions w·H", Path.Combine(output, "reconstructions.png"));
double meanError = rows.Average(r => Math.Sqrt(r.Pixels.Zip(nmf.Reconstruct(r.Parts), (a, b) => (a - b) * (a - b)).Sum() / r.Pixels.Sum(v => v * v)));
Console.WriteLine($"Eight digits rebuilt from their parts: mean relative error {meanError:F3}.");

// 3. The objective per iteration, log scale.
Plots.Loss(nmf.LossHistory.ToArray(), Path.Combine(output, "loss.png"));
Console.WriteLine($"Wrote parts.png, reconstructions.png and loss.png to {output}");

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
