using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Text;
using MLNet.Nmf;

// usage: MLNet.Nmf.ModelRunner fit-save <variant> <data> <model.zip> <outputs.bin>
//        MLNet.Nmf.ModelRunner stream-bounded <rows> <columns> <nonzeros-per-row>
//        MLNet.Nmf.ModelRunner stream-checkpoint <checkpoint-directory>
//        MLNet.Nmf.ModelRunner load-predict <variant> <data> <model.zip> <outputs.bin>
// Variants place the NMF transformer at different positions of a chain (or leave it out); the
// outputs file holds every float of the variant's output columns, row by row, from Transform and
// then from a PredictionEngine, so two processes can be compared byte for byte.
if (args.Length == 4 && args[0] == "stream-bounded")
    return BoundedStream.Run(int.Parse(args[1]), int.Parse(args[2]), int.Parse(args[3]));
if (args.Length == 2 && args[0] == "stream-checkpoint")
    return StreamCheckpoint.Run(args[1]);
if (args.Length != 5)
{
    Console.Error.WriteLine("usage: MLNet.Nmf.ModelRunner fit-save|load-predict <variant> <data> <model.zip> <outputs.bin>");
    return 2;
}
string command = args[0], variant = args[1], dataPath = args[2], modelPath = args[3], outputPath = args[4];
var ml = new MLContext(seed: 3);
bool text = variant.StartsWith("text", StringComparison.Ordinal);
IDataView data = text
    ? ml.Data.LoadFromTextFile<TextRow>(dataPath, separatorChar: '\t', hasHeader: true, allowQuoting: false)
    : ml.Data.LoadFromTextFile<DigitRow>(dataPath, separatorChar: ',', hasHeader: true);

ITransformer model;
if (command == "fit-save")
{
    model = Pipeline(ml, variant).Fit(data);
    ml.Model.Save(model, data.Schema, modelPath);
}
else if (command == "load-predict")
{
    model = ml.Model.Load(modelPath, out _);
}
else
{
    Console.Error.WriteLine($"unknown command {command}");
    return 2;
}

var outputs = OutputColumns(variant);
using var writer = new BinaryWriter(File.Create(outputPath));
var transformed = model.Transform(data);
foreach (var column in outputs)
{
    if (transformed.Schema[column].Type is VectorDataViewType)
    {
        foreach (var row in transformed.GetColumn<VBuffer<float>>(column))
            foreach (var v in row.DenseValues())
                writer.Write(v);
    }
    else
    {
        foreach (var v in transformed.GetColumn<float>(column))
            writer.Write(v);
    }
}
if (text)
{
    var engine = ml.Model.CreatePredictionEngine<TextRow, TextOutput>(model);
    foreach (var row in ml.Data.CreateEnumerable<TextRow>(data, reuseRowObject: false).Take(50))
    {
        var prediction = engine.Predict(row);
        foreach (var v in variant == "text-featurize-only" ? prediction.Features : prediction.Topics)
            writer.Write(v);
    }
}
Console.WriteLine($"{command} {variant}: wrote {writer.BaseStream.Length} bytes");
return 0;

static IEstimator<ITransformer> Pipeline(MLContext ml, string variant)
{
    var featurize = ml.Transforms.Text.FeaturizeText("Features", new TextFeaturizingEstimator.Options
    {
        CharFeatureExtractor = null,
        WordFeatureExtractor = new WordBagEstimator.Options { NgramLength = 1, Weighting = NgramExtractingEstimator.WeightingCriteria.TfIdf },
    }, nameof(TextRow.Description));
    var nmf = ml.Transforms.NonNegativeMatrixFactorization("Topics", "Features", rank: 6);
    return variant switch
    {
        "text-nmf-last" => featurize.Append(nmf),
        "text-nmf-middle" => featurize.Append(nmf)
            .Append(ml.Transforms.Conversion.MapValueToKey("Label", nameof(TextRow.Section)))
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy("Label", "Topics", maximumNumberOfIterations: 20))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedSection", "PredictedLabel")),
        "text-featurize-only" => featurize,
        "text-nmf-streamed" => featurize.Append(ml.Transforms.NonNegativeMatrixFactorization(new NmfOptions
        {
            OutputColumnName = "Topics", InputColumnName = "Features", Rank = 6, FitMode = NmfFitMode.Streamed, BlockSize = 50, MaximumPasses = 8,
        })),
        "digits-nmf-first" => ml.Transforms.NonNegativeMatrixFactorization(new NmfOptions
            {
                OutputColumnName = "Topics", InputColumnName = "Pixels", Rank = 8,
                Solver = NmfSolver.CoordinateDescentKL, Loss = NmfLoss.KullbackLeibler,
            })
            .Append(ml.Transforms.NormalizeMinMax("Scaled", "Topics")),
        // Frobenius at rank 60 of 64 pixels: near-collinear components, so most rows' projection sweeps run to the limit.
        "digits-nmf-wide" => ml.Transforms.NonNegativeMatrixFactorization(new NmfOptions
            {
                OutputColumnName = "Topics", InputColumnName = "Pixels", Rank = 60,
            }),
        // NaN pixels are missing entries (digits-missing.csv).
        "digits-missing" => ml.Transforms.NonNegativeMatrixFactorization(new NmfOptions
            {
                OutputColumnName = "Topics", InputColumnName = "Pixels", Rank = 8, MissingValues = NmfMissingValues.Ignore,
            }),
        "digits-reconstruction" => ml.Transforms.NonNegativeMatrixFactorizationReconstruction(new NmfOptions
            {
                OutputColumnName = "Topics", InputColumnName = "Pixels", Rank = 8, MissingValues = NmfMissingValues.Ignore,
            }, reconstructionColumnName: "Reconstruction", errorColumnName: "Error"),
        _ => throw new ArgumentException($"unknown variant {variant}"),
    };
}

static string[] OutputColumns(string variant) => variant switch
{
    "text-nmf-middle" => new[] { "Topics", "Score" },
    "text-featurize-only" => new[] { "Features" },
    "digits-nmf-first" => new[] { "Topics", "Scaled" },
    "digits-reconstruction" => new[] { "Topics", "Reconstruction", "Error" },
    _ => new[] { "Topics" },
};

internal sealed class TextRow
{
    [LoadColumn(0)] public string Package { get; set; } = "";
    [LoadColumn(1)] public string Section { get; set; } = "";
    [LoadColumn(2)] public string Description { get; set; } = "";
}

internal sealed class TextOutput
{
    public float[] Topics { get; set; } = Array.Empty<float>();
    public float[] Features { get; set; } = Array.Empty<float>();
}

internal sealed class DigitRow
{
    [LoadColumn(0, 63), VectorType(64)] public float[] Pixels { get; set; } = Array.Empty<float>();
    [LoadColumn(64)] public float Label { get; set; }
}
