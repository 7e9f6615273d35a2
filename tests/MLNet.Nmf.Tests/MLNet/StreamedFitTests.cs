using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Nmf.Tests.Engine.Support;

namespace MLNet.Nmf.Tests.MLNet;

/// <summary>
/// FitMode Streamed through ML.NET: lazy FeaturizeText views (re-featurized on every pass), binary and sparse text
/// files, warm start, determinism, bad values met mid-stream, and the choice of Auto.
/// </summary>
public class StreamedFitTests
{
    private sealed class FixedRow
    {
        [VectorType(4)] public float[] Values { get; set; } = Array.Empty<float>();
    }

    private static NmfOptions Options(NmfFitMode mode, int blockSize = 64) => new()
    {
        OutputColumnName = "Topics", InputColumnName = "Features", Rank = 5, Seed = 3,
        Initialization = NmfInitialization.Random, MaximumIterations = 10, Tolerance = 0, MaximumPasses = 11,
        FitMode = mode, BlockSize = blockSize,
    };

    private static (MLContext Ml, IDataView Featurized, List<string> Log) LazyText()
    {
        var ml = new MLContext(seed: 1);
        var log = new List<string>();
        ml.Log += (_, e) => { if (e.Message.Contains("NMF", StringComparison.Ordinal)) lock (log) log.Add(e.Message); };
        var text = TextFixture.Load(ml); // TextLoader: lazy, no row count
        return (ml, TextFixture.Featurize(ml).Fit(text).Transform(text), log);
    }

    private static float[] Topics(NmfTransformer model, IDataView data) =>
        model.Transform(data).GetColumn<VBuffer<float>>("Topics").SelectMany(v => v.DenseValues()).ToArray();

    [Fact]
    public void Streamed_OnLazyFeaturizeText_MatchesTheInMemoryFit()
    {
        var (ml, featurized, log) = LazyText();
        var inMemory = ml.Transforms.NonNegativeMatrixFactorization(Options(NmfFitMode.InMemory)).Fit(featurized);
        var oneBlock = ml.Transforms.NonNegativeMatrixFactorization(Options(NmfFitMode.Streamed, blockSize: 100_000)).Fit(featurized);
        var blocks = ml.Transforms.NonNegativeMatrixFactorization(Options(NmfFitMode.Streamed, blockSize: 64)).Fit(featurized);

        // One block is the in-memory fit's arithmetic exactly (same start, same sums).
        oneBlock.Model.Components.ToArray().Should().Equal(inMemory.Model.Components.ToArray());
        oneBlock.Model.LossHistory.Should().Equal(inMemory.Model.LossHistory);
        // Blocks of 64 rows only add the partial sums in another order: float rounding, 1e-3 after 10 iterations.
        FactorAssertions.RelativeDifference(blocks.Model.Components.Span, inMemory.Model.Components.Span).Should().BeLessThan(1e-3);
        FactorAssertions.RelativeDifference(Topics(blocks, featurized), Topics(inMemory, featurized)).Should().BeLessThan(1e-3);
        blocks.Model.ReconstructionError.Should().BeApproximately(inMemory.Model.ReconstructionError, 0.01 * inMemory.Model.ReconstructionError);
        blocks.Model.SlotNames.Should().Equal(inMemory.Model.SlotNames!, "the streamed fit keeps the terms");

        log.Should().Contain(m => m.Contains("streaming (FitMode Streamed)"));
        log.Should().Contain(m => m.Contains("NMF streamed: pass 1 counted 300 rows") && m.Contains("in 5 blocks"));
        log.Should().Contain(m => m.Contains("NMF streamed: pass 11 (iteration 10) read 300 rows"));
        log.Should().Contain(m => m.Contains("11 passes (3300 rows read)"));
    }

    [Fact]
    public void Streamed_SameSeed_1And3Threads_GiveIdenticalComponents()
    {
        var (ml, featurized, _) = LazyText();
        var options = Options(NmfFitMode.Streamed);
        options.DegreeOfParallelism = 1;
        var one = ml.Transforms.NonNegativeMatrixFactorization(options).Fit(featurized);
        options.DegreeOfParallelism = 3;
        var three = ml.Transforms.NonNegativeMatrixFactorization(options).Fit(featurized);
        three.Model.Components.ToArray().Should().Equal(one.Model.Components.ToArray());
        three.Model.LossHistory.Should().Equal(one.Model.LossHistory);
    }

    [Fact]
    public void Streamed_FromBinaryAndSparseTextFiles_MatchesTheLazyView()
    {
        var (ml, featurized, _) = LazyText();
        var features = ml.Transforms.SelectColumns("Features").Fit(featurized).Transform(featurized);
        int size = ((VectorDataViewType)features.Schema["Features"].Type).Size;
        string dir = Directory.CreateTempSubdirectory("nmf-stream-files-").FullName;
        string binary = Path.Combine(dir, "features.idv"), text = Path.Combine(dir, "features.txt");
        using (var stream = File.Create(binary))
            ml.Data.SaveAsBinary(features, stream);
        using (var stream = File.Create(text))
            ml.Data.SaveAsText(features, stream, separatorChar: '\t', headerRow: false, schema: false, keepHidden: false, forceDense: false);
        File.ReadLines(text).First().Should().MatchRegex(@"^\d+\t\d+:", "SaveAsText writes tf-idf rows in the sparse form (size, then index:value)");

        var fromView = ml.Transforms.NonNegativeMatrixFactorization(Options(NmfFitMode.Streamed)).Fit(featurized);
        var fromBinary = ml.Transforms.NonNegativeMatrixFactorization(Options(NmfFitMode.Streamed)).Fit(ml.Data.LoadFromBinary(binary));
        var sparseText = ml.Data.LoadFromTextFile(text, new[] { new TextLoader.Column("Features", DataKind.Single, 0, size - 1) },
            separatorChar: '\t', allowSparse: true);
        var fromText = ml.Transforms.NonNegativeMatrixFactorization(Options(NmfFitMode.Streamed)).Fit(sparseText);

        fromBinary.Model.Components.ToArray().Should().Equal(fromView.Model.Components.ToArray(), "the binary file holds the same floats");
        // Text keeps each float to its shortest round-trip form; 1e-5 allows for a printed digit less.
        FactorAssertions.RelativeDifference(fromText.Model.Components.Span, fromView.Model.Components.Span).Should().BeLessThan(1e-5);
    }

    [Fact]
    public void Streamed_NegativeValueOnALaterPass_ThrowsTheInMemoryErrorInThatPass()
    {
        // Rows are made on demand; from the third pass on, row 4321 of 5000 carries a negative value (data that
        // changed under a lazy pipeline). The error must name it like the in-memory reader does, in pass 3.
        var ml = new MLContext(seed: 1);
        var log = new List<string>();
        ml.Log += (_, e) => { if (e.Message.Contains("NMF streamed", StringComparison.Ordinal)) lock (log) log.Add(e.Message); };
        int enumerations = 0;
        IEnumerable<FixedRow> Rows(bool alwaysBad)
        {
            int pass = Interlocked.Increment(ref enumerations);
            for (int i = 0; i < 5000; i++)
                yield return new FixedRow { Values = new[] { 1f + i % 7, 0.5f, (alwaysBad || pass >= 3) && i == 4321 ? -0.75f : 2f, i % 3 } };
        }
        var streamed = new NmfOptions { OutputColumnName = "Topics", InputColumnName = "Values", Rank = 2, FitMode = NmfFitMode.Streamed, BlockSize = 1000, MaximumPasses = 6 };
        var act = () => ml.Transforms.NonNegativeMatrixFactorization(streamed).Fit(ml.Data.LoadFromEnumerable(Rows(alwaysBad: false)));

        var expected = "Column 'Values' has a negative value (-0.75) at row 4321, slot 2; NMF needs finite, non-negative input.*";
        act.Should().Throw<InvalidOperationException>().WithMessage(expected);
        enumerations.Should().Be(3, "the error comes from the pass that meets the value");
        log.Should().Contain(m => m.Contains("pass 2 (iteration 1)")).And.NotContain(m => m.Contains("pass 3 ("));

        var inMemory = () => ml.Transforms.NonNegativeMatrixFactorization(new NmfOptions { OutputColumnName = "Topics", InputColumnName = "Values", Rank = 2, FitMode = NmfFitMode.InMemory })
            .Fit(ml.Data.LoadFromEnumerable(Rows(alwaysBad: true)));
        inMemory.Should().Throw<InvalidOperationException>().WithMessage(expected, "the same error as the in-memory fit");
    }

    [Fact]
    public void WarmStart_FromASavedModel_StartsWhereItEnded_InMemoryAndStreamed()
    {
        var (ml, featurized, _) = LazyText();
        var first = ml.Transforms.NonNegativeMatrixFactorization(Options(NmfFitMode.InMemory)).Fit(featurized);
        string path = Path.Combine(Directory.CreateTempSubdirectory("nmf-warm-").FullName, "model.zip");
        ml.Model.Save(first, featurized.Schema, path);
        var saved = (NmfTransformer)ml.Model.Load(path, out _);

        foreach (var mode in new[] { NmfFitMode.InMemory, NmfFitMode.Streamed })
        {
            var cold = ml.Transforms.NonNegativeMatrixFactorization(Options(mode)).Fit(featurized);
            var warm = ml.Transforms.NonNegativeMatrixFactorization(Options(mode)).Fit(featurized, saved.Model);
            double gain = cold.Model.LossHistory[0] - first.Model.LossHistory[^1];
            gain.Should().BeGreaterThan(0, "the first fit made progress from its random start");
            warm.Model.LossHistory[0].Should().BeLessThan(cold.Model.LossHistory[0] - 0.9 * gain, $"{mode}: a warm start begins near where the saved model ended, not at a random start");
            warm.Model.LossHistory[0].Should().BeLessThanOrEqualTo(first.Model.LossHistory[^1] * 1.001, $"{mode}: the rows' projections are the best features for those components");
            warm.Model.LossHistory[^1].Should().BeLessThanOrEqualTo(warm.Model.LossHistory[0], $"{mode}: it keeps improving");
        }

        var options = Options(NmfFitMode.Streamed);
        options.Rank = 4;
        var wrongRank = () => ml.Transforms.NonNegativeMatrixFactorization(options).Fit(featurized, saved.Model);
        wrongRank.Should().Throw<ArgumentException>().WithMessage("The model to start from has rank 5 and * input slots; this fit needs rank 4*").Which.ParamName.Should().Be("modelParameters");
    }

    [Fact]
    public void Streamed_OverASlowUpstreamPipeline_SuggestsACacheOrABinaryFile()
    {
        // Every row costs 4 ms upstream (an expensive lazy pipeline): reading dominates the passes.
        var ml = new MLContext(seed: 1);
        var log = new List<string>();
        ml.Log += (_, e) => { if (e.Message.Contains("NMF", StringComparison.Ordinal)) lock (log) log.Add(e.Message); };
        IEnumerable<FixedRow> Slow()
        {
            for (int i = 0; i < 300; i++)
            {
                Thread.Sleep(4);
                yield return new FixedRow { Values = new[] { 1f + i % 5, 2f, i % 3, 0.5f } };
            }
        }
        var options = new NmfOptions { OutputColumnName = "Topics", InputColumnName = "Values", Rank = 2, FitMode = NmfFitMode.Streamed, MaximumPasses = 3 };
        ml.Transforms.NonNegativeMatrixFactorization(options).Fit(ml.Data.LoadFromEnumerable(Slow()));
        log.Should().ContainSingle(m => m.Contains("each pass re-runs the pipeline upstream of this estimator") && m.Contains("AppendCacheCheckpoint") && m.Contains("SaveAsBinary"));
    }

    [Fact]
    public void Auto_SmallData_FitsInMemory_AndLogsWhy()
    {
        var (ml, featurized, log) = LazyText();
        var options = Options(NmfFitMode.Auto);
        ml.Transforms.NonNegativeMatrixFactorization(options).Fit(featurized);
        log.Should().Contain(m => m.Contains("NMF: fitting in memory (FitMode Auto: 300 rows") && m.Contains("a quarter of the memory available to the GC"));
        log.Should().NotContain(m => m.Contains("NMF streamed"));
    }

    [Fact]
    public void Streamed_WithMultiplicativeUpdate_IsRejectedNamingFitMode()
    {
        var options = Options(NmfFitMode.Streamed);
        options.Solver = NmfSolver.MultiplicativeUpdate;
        var act = () => new MLContext().Transforms.NonNegativeMatrixFactorization(options);
        act.Should().Throw<ArgumentException>().WithMessage("FitMode Streamed needs Solver CoordinateDescent, Loss Frobenius and MissingValues Error, but Solver is MultiplicativeUpdate*")
            .Which.ParamName.Should().Be("FitMode");
    }
}
