using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Text;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine;
using MLNet.Nmf.Orleans.Client;
using MLNet.Nmf.Orleans.Data;

namespace MLNet.Nmf.Orleans.Tests;

/// <summary>The real text corpus of the tests (1,600 Debian package descriptions, the TopicModeling example's sample), featurized and split.</summary>
internal static class Corpus
{
    public sealed class Row
    {
        [LoadColumn(0)] public string Package { get; set; } = "";
        [LoadColumn(1)] public string Section { get; set; } = "";
        [LoadColumn(2)] public string Description { get; set; } = "";
    }

    public static string DataPath => Path.Combine(AppContext.BaseDirectory, "Data", "debian-descriptions-sample.tsv");

    /// <summary>FeaturizeText (tf-idf of words, English stop words removed) of the corpus, first <paramref name="rows"/> rows.</summary>
    public static IDataView Featurized(MLContext ml, int rows = int.MaxValue)
    {
        var text = ml.Data.LoadFromTextFile<Row>(DataPath, separatorChar: '\t', hasHeader: true, allowQuoting: false);
        if (rows != int.MaxValue)
            text = ml.Data.TakeRows(text, rows);
        var featurize = ml.Transforms.Text.FeaturizeText("Features", new TextFeaturizingEstimator.Options
        {
            CharFeatureExtractor = null,
            KeepPunctuations = false,
            WordFeatureExtractor = new WordBagEstimator.Options { NgramLength = 1, Weighting = NgramExtractingEstimator.WeightingCriteria.TfIdf },
            StopWordsRemoverOptions = new StopWordsRemovingEstimator.Options { Language = TextFeaturizingEstimator.Language.English },
        }, nameof(Row.Description));
        return featurize.Fit(text).Transform(text);
    }

    /// <summary>Splits the featurized corpus into shards under <paramref name="directory"/>; returns the manifest's path.</summary>
    public static string Split(string directory, int shards, int rows = int.MaxValue)
    {
        var ml = new MLContext(seed: 1);
        NmfShards.Split(ml, Featurized(ml, rows), "Features", shards, directory);
        return Path.Combine(directory, "shards.json");
    }

    /// <summary>The single-machine fit with the shards as blocks: the reference the cluster must equal bit for bit.</summary>
    public static NmfResult SingleMachineFit(string manifestPath, NmfClusterFitRequest request)
    {
        var manifest = ShardManifest.Load(manifestPath);
        var blocks = Enumerable.Range(0, manifest.Shards.Count)
            .Select(i => (INmfMatrix)ShardReader.Read(manifest, manifestPath, i)).ToArray();
        return NmfEngine.FitBlocks(blocks, request.ToOptions() with { DegreeOfParallelism = 2 });
    }

    /// <summary>The components of a model zip, loaded in plain ML.NET.</summary>
    public static NmfModelParameters LoadModel(string path)
    {
        var ml = new MLContext();
        var model = ml.Model.Load(path, out _);
        return ((NmfTransformer)model).Model;
    }
}
