using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Text;
using MLNet.Nmf;
using MLNet.Nmf.Plots;

// Which rank? Hold out a share of the entries, fit each rank on the rest (NaN = missing), and see how well each
// predicts what it never saw: the digits and the Debian descriptions. Then fill in 30 % of a digit's pixels from the parts.
// The pictures go to examples/ChooseRank/output (git-ignored), whatever the working directory, or to --output DIR.
if (OutputFolder.Resolve(args) is not { } output)
    return 2;
Console.WriteLine($"Writing digits-rank.png, text-rank.png and imputation.png to {output} (--output DIR to choose another folder).");
var ml = new MLContext(seed: 0);
string dataDir = Path.Combine(AppContext.BaseDirectory, "Data");

// 1. The digits (1797 x 64, dense).
var digits = ml.Data.LoadFromTextFile<Digit>(Path.Combine(dataDir, "digits.csv"), separatorChar: ',', hasHeader: true);
var clock = Stopwatch.StartNew();
// A small L2 penalty (AlphaW, which AlphaH follows) keeps high ranks honest: without it a component can gather on a
// few pixels and predict wild values where a row misses them (held-out RMSE in the hundreds from rank ~20 on).
var digitRanks = ml.Transforms.NonNegativeMatrixFactorizationRankSelection(digits, nameof(Digit.Pixels),
    ranks: Enumerable.Range(1, 12).Select(i => 2 * i), options: new NmfOptions { MaximumIterations = 200, AlphaW = 1e-3 },
    holdOutFraction: 0.1, repeats: 2);
Console.WriteLine($"Digits ({clock.Elapsed.TotalSeconds:F1} s):");
Console.WriteLine(digitRanks.ToTable());
digitRanks.SavePng(Path.Combine(output, "digits-rank.png"), title: "Digits: held-out error by rank");

// 2. The Debian descriptions as tf-idf word bags (sparse): an implicit zero is an observed zero and can be held out.
var text = ml.Data.LoadFromTextFile<Package>(Path.Combine(dataDir, "debian-descriptions-sample.tsv"), separatorChar: '\t', hasHeader: true, allowQuoting: false);
var featurized = ml.Transforms.Text.FeaturizeText("Features", new TextFeaturizingEstimator.Options
{
    CharFeatureExtractor = null,
    StopWordsRemoverOptions = new StopWordsRemovingEstimator.Options(),
    WordFeatureExtractor = new WordBagEstimator.Options { NgramLength = 1, Weighting = NgramExtractingEstimator.WeightingCriteria.TfIdf },
}, nameof(Package.Description)).Fit(text).Transform(text);
clock.Restart();
var textRanks = ml.Transforms.NonNegativeMatrixFactorizationRankSelection(featurized, "Features",
    ranks: [2, 4, 8, 12, 16], options: new NmfOptions { MaximumIterations = 40 }, holdOutFraction: 0.02, repeats: 1);
Console.WriteLine($"Debian descriptions ({clock.Elapsed.TotalSeconds:F1} s):");
Console.WriteLine(textRanks.ToTable());
textRanks.SavePng(Path.Combine(output, "text-rank.png"), title: "Debian descriptions: held-out error by rank");

// 3. Imputation: fit the parts on the first 1700 digits, remove 30 % of the pixels of eight others, fill them back.
// A row keeps only 70 % of its pixels here (90 % in the rank selection above), so fewer parts predict it best:
// try a few ranks and draw the best.
var all = ml.Data.CreateEnumerable<Digit>(digits, reuseRowObject: false).ToArray();
var train = ml.Data.LoadFromEnumerable(all.Take(1700));
var random = new Random(7);
var originals = all.Skip(1700).Take(8).ToArray();
var holey = originals.Select(d => new Digit { Pixels = d.Pixels.Select(v => random.NextDouble() < 0.3 ? float.NaN : v).ToArray() }).ToArray();
var means = Enumerable.Range(0, 64).Select(j => all.Take(1700).Average(d => d.Pixels[j])).ToArray();
FilledDigit[]? best = null;
double bestError = double.PositiveInfinity, meanError = 0;
int bestRank = 0;
foreach (int rank in new[] { 4, 6, 8, 10, 12, 16, 20 })
{
    var model = ml.Transforms.NonNegativeMatrixFactorizationReconstruction(new NmfOptions
    {
        InputColumnName = nameof(Digit.Pixels), Rank = rank, MaximumIterations = 300, AlphaW = 1e-3, MissingValues = NmfMissingValues.Ignore,
    }, reconstructionColumnName: "Filled", errorColumnName: "Error").Fit(train);
    var filled = ml.Data.CreateEnumerable<FilledDigit>(model.Transform(ml.Data.LoadFromEnumerable(holey)), reuseRowObject: false).ToArray();
    double parts = 0, meanFill = 0;
    int removed = 0;
    for (int r = 0; r < 8; r++)
        for (int j = 0; j < 64; j++)
            if (float.IsNaN(holey[r].Pixels[j]))
            {
                parts += Math.Pow(filled[r].Filled[j] - originals[r].Pixels[j], 2);
                meanFill += Math.Pow(means[j] - originals[r].Pixels[j], 2);
                removed++;
            }
    double error = Math.Sqrt(parts / removed);
    meanError = Math.Sqrt(meanFill / removed);
    Console.WriteLine($"Imputation, rank {rank,2}: {removed} removed pixels (of 512) filled from the parts with RMSE {error:F2}.");
    if (error < bestError)
        (best, bestError, bestRank) = (filled, error, rank);
}
Console.WriteLine($"Column means fill them with RMSE {meanError:F2} (pixels are 0..16). Drawn: rank {bestRank}.");
Console.WriteLine($"Per-digit error over the observed pixels (the anomaly score): {string.Join(", ", best!.Select(f => f.Error.ToString("F2")))}.");
DigitImages.Save(Path.Combine(output, "imputation.png"), originals.Select(d => d.Pixels).ToArray(), holey.Select(d => d.Pixels).ToArray(),
    holey.Select((d, r) => d.Pixels.Select((v, j) => float.IsNaN(v) ? best![r].Filled[j] : v).ToArray()).ToArray());
Console.WriteLine($"Wrote {Path.Combine(output, "digits-rank.png")}, text-rank.png and imputation.png.");
return 0;

internal sealed class Digit
{
    [LoadColumn(0, 63), VectorType(64)] public float[] Pixels { get; set; } = [];
}

internal sealed class FilledDigit
{
    [VectorType(64)] public float[] Filled { get; set; } = [];
    public float Error { get; set; }
}

internal sealed class Package
{
    [LoadColumn(2)] public string Description { get; set; } = "";
}
