using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Text;

namespace MLNet.Nmf.Tests.MLNet;

/// <summary>The real Debian descriptions subset as an IDataView, and the tf-idf featurizer used by the tests.</summary>
internal static class TextFixture
{
    public sealed class Row
    {
        [LoadColumn(0)] public string Package { get; set; } = "";
        [LoadColumn(1)] public string Section { get; set; } = "";
        [LoadColumn(2)] public string Description { get; set; } = "";
    }

    public sealed class TopicsRow
    {
        public float[] Topics { get; set; } = Array.Empty<float>();
    }

    public static IDataView Load(MLContext ml) =>
        ml.Data.LoadFromTextFile<Row>(TestData.DataPath("debian-small.tsv"), separatorChar: '\t', hasHeader: true, allowQuoting: false);

    public static IEstimator<ITransformer> Featurize(MLContext ml) =>
        ml.Transforms.Text.FeaturizeText("Features", new TextFeaturizingEstimator.Options
        {
            CharFeatureExtractor = null,
            KeepPunctuations = false,
            WordFeatureExtractor = new WordBagEstimator.Options { NgramLength = 1, Weighting = NgramExtractingEstimator.WeightingCriteria.TfIdf },
            StopWordsRemoverOptions = new StopWordsRemovingEstimator.Options { Language = TextFeaturizingEstimator.Language.English },
        }, nameof(Row.Description));
}
