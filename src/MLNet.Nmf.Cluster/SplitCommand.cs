using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Text;
using MLNet.Nmf.Orleans.Data;

namespace MLNet.Nmf.Cluster;

/// <summary>
/// <c>split --input TSV[.gz] --shards N --out DIR [--max-rows R]</c>: featurizes the Description column of a
/// Package/Section/Description TSV (FeaturizeText: word tf-idf, English stop words removed, as the TopicModeling
/// example) and writes N binary IDV shards plus shards.json. --max-rows keeps the first R rows.
/// </summary>
internal static class SplitCommand
{
    public sealed class Row
    {
        [LoadColumn(0)] public string Package { get; set; } = "";
        [LoadColumn(1)] public string Section { get; set; } = "";
        [LoadColumn(2)] public string Description { get; set; } = "";
    }

    public static int Run(CommandLine args)
    {
        string input = args.Required("--input");
        int shards = args.Int("--shards", min: 1);
        string output = Path.GetFullPath(args.Required("--out"));
        int maxRows = args.Int("--max-rows", fallback: int.MaxValue, min: 1);
        args.CheckAllUsed();
        if (!File.Exists(input))
            throw new UsageException($"--input '{input}' does not exist.");

        Directory.CreateDirectory(output);
        string? temporary = null;
        string tsv = input;
        try
        {
            if (input.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
            {
                temporary = tsv = Path.Combine(output, "corpus.tsv.tmp");
                try
                {
                    using var source = new GZipStream(File.OpenRead(input), CompressionMode.Decompress);
                    using var target = File.Create(tsv);
                    source.CopyTo(target);
                }
                catch (InvalidDataException e)
                {
                    throw new CommandException($"--input '{input}' cannot be decompressed as gzip ({e.Message}); give a .tsv, or a .tsv.gz written by gzip.", e);
                }
            }
            var ml = new MLContext(seed: 1);
            IDataView text = ml.Data.LoadFromTextFile<Row>(tsv, separatorChar: '\t', hasHeader: true, allowQuoting: false);
            if (maxRows != int.MaxValue)
                text = ml.Data.TakeRows(text, maxRows);
            long rows = 0;
            using (var cursor = text.GetRowCursor(Array.Empty<DataViewSchema.Column>()))
                while (cursor.MoveNext())
                    rows++;
            if (rows == 0)
                throw new CommandException($"--input '{input}' has no rows: expected a tab-separated file with a header line and the columns Package, Section, Description.");
            var featurize = ml.Transforms.Text.FeaturizeText("Features", new TextFeaturizingEstimator.Options
            {
                CharFeatureExtractor = null,
                KeepPunctuations = false,
                WordFeatureExtractor = new WordBagEstimator.Options { NgramLength = 1, Weighting = NgramExtractingEstimator.WeightingCriteria.TfIdf },
                StopWordsRemoverOptions = new StopWordsRemovingEstimator.Options { Language = TextFeaturizingEstimator.Language.English },
            }, nameof(Row.Description));
            IDataView features;
            try
            {
                features = featurize.Fit(text).Transform(text);
            }
            catch (ArgumentOutOfRangeException e) when (e.Message.Contains("known-size vector", StringComparison.Ordinal))
            {
                // FeaturizeText's word bag is empty: no word survives the stop-word removal.
                throw new CommandException($"--input '{input}': its Description column (the third) yields no words to featurize; give descriptions of English text.", e);
            }
            var manifest = NmfShards.Split(ml, features, "Features", shards, output);
            Console.WriteLine($"split: {manifest.Shards.Sum(s => s.Rows)} rows x {manifest.FeatureCount} features into {manifest.Shards.Count} shards: {Path.Combine(output, "shards.json")}");
            return 0;
        }
        finally
        {
            if (temporary is not null)
                File.Delete(temporary);
        }
    }
}
