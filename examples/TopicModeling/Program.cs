using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Text;
using MLNet.Nmf;

// Topic modeling on Debian package descriptions: FeaturizeText -> NMF (20 topics) -> topics, a section
// classifier on the topic vectors, "packages like this one", and a save/load round trip.
var ml = new MLContext(seed: 1);
string dataPath = Path.Combine(AppContext.BaseDirectory, "Data", "debian-descriptions-sample.tsv");
var data = ml.Data.LoadFromTextFile<PackageRow>(dataPath, separatorChar: '\t', hasHeader: true, allowQuoting: false);
var split = ml.Data.TrainTestSplit(data, testFraction: 0.25, seed: 1);

// 1. Text -> tf-idf words (no character n-grams, no English stop words: ML.NET's list, plus "you" and "your", which it
//    lacks) -> 20 non-negative topics.
var featurize = ml.Transforms.Text.NormalizeText("Text", nameof(PackageRow.Description), keepPunctuations: false, keepNumbers: false)
    .Append(ml.Transforms.Text.TokenizeIntoWords("Words", "Text"))
    .Append(ml.Transforms.Text.RemoveStopWords("Words", "Words", "you", "your"))
    .Append(ml.Transforms.Text.FeaturizeText("Features", new TextFeaturizingEstimator.Options
    {
        CharFeatureExtractor = null,
        WordFeatureExtractor = new WordBagEstimator.Options { NgramLength = 1, Weighting = NgramExtractingEstimator.WeightingCriteria.TfIdf },
        StopWordsRemoverOptions = new StopWordsRemovingEstimator.Options { Language = TextFeaturizingEstimator.Language.English },
        Norm = TextFeaturizingEstimator.NormFunction.L2,
    }, "Words"));
var topicsPipeline = featurize.Append(ml.Transforms.NonNegativeMatrixFactorization("Topics", "Features", rank: 20));

var clock = Stopwatch.StartNew();
var topicModel = topicsPipeline.Fit(split.TrainSet);
var nmf = topicModel.LastTransformer;
Console.WriteLine($"Fitted NMF: {nmf.Model.Rank} topics over {nmf.Model.FeatureCount} terms in {clock.Elapsed.TotalSeconds:F2} s, " +
                  $"{nmf.Model.Iterations} iterations, converged: {nmf.Model.Converged}, relative error {nmf.Model.ReconstructionError:F4}.");
Console.WriteLine();
Console.WriteLine("Topics (top terms):");
for (int t = 0; t < nmf.Model.Rank; t++)
{
    var terms = nmf.Model.GetTopTerms(t, 8).Select(s => s.Term);
    Console.WriteLine($"  {t,2}: {string.Join(", ", terms)}");
}

// 2. Predict the archive section from the 20 topic weights, beside the same classifier on the raw tf-idf.
double TopicAccuracy(string featureColumn)
{
    var classifier = ml.Transforms.Conversion.MapValueToKey("Label", nameof(PackageRow.Section))
        .Append(ml.Transforms.NormalizeMinMax("Input", featureColumn))
        .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy("Label", "Input"));
    var model = classifier.Fit(topicModel.Transform(split.TrainSet));
    var metrics = ml.MulticlassClassification.Evaluate(model.Transform(topicModel.Transform(split.TestSet)));
    return metrics.MicroAccuracy;
}
int sections = ml.Data.CreateEnumerable<PackageRow>(split.TrainSet, reuseRowObject: false).Select(p => p.Section).Distinct().Count();
Console.WriteLine();
Console.WriteLine($"Section classifier ({sections} sections, chance = {1.0 / sections:P1}):");
Console.WriteLine($"  on the 20 NMF topics:                   accuracy {TopicAccuracy("Topics"):P1}");
Console.WriteLine($"  on the raw tf-idf ({nmf.Model.FeatureCount} terms): accuracy {TopicAccuracy("Features"):P1}");

// 3. "More like this": cosine similarity of topic vectors.
var documents = ml.Data.CreateEnumerable<PackageTopics>(topicModel.Transform(data), reuseRowObject: false).ToArray();
var query = documents.FirstOrDefault(d => d.Package == "amsynth") ?? documents[0];
Console.WriteLine();
Console.WriteLine($"Packages most like '{query.Package}' ({query.Section}):");
foreach (var match in documents.Where(d => d.Package != query.Package)
                                .Select(d => (d.Package, d.Section, Score: Cosine(query.Topics, d.Topics)))
                                .OrderByDescending(m => m.Score).Take(5))
    Console.WriteLine($"  {match.Score:F3}  {match.Package} ({match.Section})");

// 4. Save the whole chain, load it back, and predict with a PredictionEngine.
string modelPath = Path.Combine(AppContext.BaseDirectory, "topics-model.zip");
ml.Model.Save(topicModel, data.Schema, modelPath);
var loaded = ml.Model.Load(modelPath, out _);
var engine = ml.Model.CreatePredictionEngine<PackageRow, PackageTopics>(loaded);
var probe = new PackageRow { Package = "probe", Section = "?", Description = "A fast multiplayer strategy game with 3D graphics and network play." };
var before = ml.Model.CreatePredictionEngine<PackageRow, PackageTopics>(topicModel).Predict(probe).Topics;
var after = engine.Predict(probe).Topics;
int top = Array.IndexOf(after, after.Max());
Console.WriteLine();
Console.WriteLine($"Saved to {modelPath} and loaded back: the probe's strongest topic is {top} " +
                  $"({string.Join(", ", nmf.Model.GetTopTerms(top, 5).Select(s => s.Term))}); " +
                  $"identical to the in-memory model: {before.SequenceEqual(after)}.");

static double Cosine(float[] a, float[] b)
{
    double dot = 0, na = 0, nb = 0;
    for (int i = 0; i < a.Length; i++)
    {
        dot += a[i] * b[i];
        na += a[i] * a[i];
        nb += b[i] * b[i];
    }
    return na == 0 || nb == 0 ? 0 : dot / Math.Sqrt(na * nb);
}

internal sealed class PackageRow
{
    [LoadColumn(0)] public string Package { get; set; } = "";
    [LoadColumn(1)] public string Section { get; set; } = "";
    [LoadColumn(2)] public string Description { get; set; } = "";
}

internal sealed class PackageTopics
{
    public string Package { get; set; } = "";
    public string Section { get; set; } = "";
    public float[] Topics { get; set; } = Array.Empty<float>();
}
