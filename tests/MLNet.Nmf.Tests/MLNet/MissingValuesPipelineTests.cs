using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Nmf.Tests.MLNet;

/// <summary>NaN as missing entries through real ML.NET pipelines, the reconstruction transform, old models.</summary>
public class MissingValuesPipelineTests
{
    private sealed class DigitRow
    {
        [LoadColumn(0, 63), VectorType(64)] public float[] Pixels { get; set; } = [];
    }

    private static IDataView LoadDigits(MLContext ml, string file) =>
        ml.Data.LoadFromTextFile<DigitRow>(TestData.DataPath(file), separatorChar: ',', hasHeader: true);

    private static NmfOptions Options(NmfMissingValues missing) => new()
    {
        OutputColumnName = "Topics", InputColumnName = "Pixels", Rank = 6, MaximumIterations = 80, MissingValues = missing,
    };

    [Fact]
    public void Fit_WithIgnore_TransformsRowsWithNaN_LikeTheEngineFit()
    {
        var ml = new MLContext(seed: 2);
        var data = LoadDigits(ml, "digits-missing.csv");
        var model = ml.Transforms.NonNegativeMatrixFactorization(Options(NmfMissingValues.Ignore)).Fit(data);
        model.Model.MissingValues.Should().Be(NmfMissingValues.Ignore);

        var topics = model.Transform(data).GetColumn<VBuffer<float>>("Topics").Select(v => v.DenseValues().ToArray()).ToArray();
        topics.Should().HaveCount(300);
        topics.SelectMany(t => t).Should().OnlyContain(v => float.IsFinite(v) && v >= 0);
        topics[5].Should().OnlyContain(v => v == 0f, "row 5 has nothing observed: zero features");
        // Reconstruct returns all 64 slots, the missing ones predicted.
        var reconstruction = model.Model.Reconstruct(topics[0]);
        reconstruction.Should().HaveCount(64).And.OnlyContain(v => float.IsFinite(v));
    }

    private sealed class FourRow
    {
        [VectorType(4)] public float[] F { get; set; } = [];
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(float.NaN)]
    public void Fit_WithIgnore_OnAColumnWithNoObservedNonZeroValue_ThrowsNamingTheColumn(float other)
    {
        // Every entry missing (or missing and zero): the reader passed the NaNs on as stored values and the engine threw its
        // ArgumentException "Every entry of X is missing (NaN) ... (Parameter 'x')" (or "X is all zeros"), naming no column,
        // where the estimator documents InvalidOperationException for data with nothing to factorize.
        var ml = new MLContext(seed: 1);
        float n = float.NaN;
        var data = ml.Data.LoadFromEnumerable(new[] { new FourRow { F = [n, other, n, n] }, new FourRow { F = [n, n, other, n] }, new FourRow { F = [n, n, n, n] } });
        string expected = "Column 'F' has no observed non-zero value in the training data: every entry is missing (NaN) or zero, so there is nothing to factorize. Fit on rows that have observed values.";

        var fit = () => ml.Transforms.NonNegativeMatrixFactorization(new NmfOptions { OutputColumnName = "T", InputColumnName = "F", Rank = 2, MissingValues = NmfMissingValues.Ignore }).Fit(data);
        fit.Should().Throw<InvalidOperationException>().WithMessage(expected);
        var reconstruction = () => ml.Transforms.NonNegativeMatrixFactorizationReconstruction("R", "F", rank: 2).Fit(data);
        reconstruction.Should().Throw<InvalidOperationException>().WithMessage(expected);
    }

    [Fact]
    public void Fit_WithIgnore_ASlotMissingInEveryRow_WarnsThatItsReconstructionIsZero()
    {
        // The components hold 0 at a slot no row observes, so the reconstruction imputed 0 there without a word.
        var ml = new MLContext(seed: 1);
        var warnings = new List<string>();
        ml.Log += (_, e) => { if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Warning) lock (warnings) warnings.Add(e.Message); };
        float n = float.NaN;
        FourRow[] Rows(float third) => [new() { F = [1, 2, n, 3] }, new() { F = [n, n, n, n] }, new() { F = [2, 1, third, 1] }, new() { F = [0, 4, n, 1] }];

        var model = ml.Transforms.NonNegativeMatrixFactorizationReconstruction("R", "F", rank: 2).Fit(ml.Data.LoadFromEnumerable(Rows(n)));

        warnings.Should().ContainSingle(m => m.Contains("Column 'F' has slot 2 (1 of 4) missing (NaN) in every training row: the fit learns nothing there (the components hold 0), so the reconstruction imputes 0 for them. Drop those slots, or fit on rows that observe them."));
        Enumerable.Range(0, model.Model.Rank).Select(t => model.Model.GetComponent(t)[2]).Should().OnlyContain(v => v == 0f, "the warning says what the model holds");
        warnings.Clear();
        ml.Transforms.NonNegativeMatrixFactorizationReconstruction("R", "F", rank: 2).Fit(ml.Data.LoadFromEnumerable(Rows(3f)));
        warnings.Should().NotContain(m => m.Contains("missing (NaN) in every training row"), "slot 2 is observed in one row");
    }

    [Fact]
    public void Transform_NaNWithAModelFittedWithError_ThrowsTodaysMessage()
    {
        var ml = new MLContext(seed: 2);
        var model = ml.Transforms.NonNegativeMatrixFactorization(Options(NmfMissingValues.Error)).Fit(LoadDigits(ml, "digits-300.csv"));
        var act = () => model.Transform(LoadDigits(ml, "digits-missing.csv")).GetColumn<VBuffer<float>>("Topics").ToArray();
        // ML.NET's parallel cursors may wrap it: the innermost exception is ours.
        var thrown = act.Should().Throw<Exception>().Which;
        while (thrown.InnerException is not null)
            thrown = thrown.InnerException;
        // (Which row a parallel cursor reaches first varies; the message is today's.)
        thrown.Should().BeOfType<InvalidOperationException>().Which.Message.Should()
            .MatchRegex(@"^Column 'Pixels' has NaN \(NaN\) at row \d+, slot \d+; NMF needs finite, non-negative input\. Clean, clip or shift the values \(e\.g\. with a normalizer\) before this transform\.$");
        var fit = () => ml.Transforms.NonNegativeMatrixFactorization(Options(NmfMissingValues.Error)).Fit(LoadDigits(ml, "digits-missing.csv"));
        fit.Should().Throw<InvalidOperationException>().Which.Message.Should().Contain("has NaN (NaN) at row 0, slot 4");
    }

    [Fact]
    public void Reconstruction_ImputesMissingPixels_AndScoresRowsOverObservedSlots()
    {
        var ml = new MLContext(seed: 4);
        var complete = LoadDigits(ml, "digits-300.csv");
        var holey = LoadDigits(ml, "digits-missing.csv");
        var options = Options(NmfMissingValues.Ignore);
        options.Rank = 10;
        options.MaximumIterations = 200;
        var model = ml.Transforms.NonNegativeMatrixFactorizationReconstruction(options, "Reconstruction", "Error").Fit(holey);
        model.Outputs.Select(o => o.Kind).Should().Equal(NmfReconstructionOutput.Features, NmfReconstructionOutput.Reconstruction, NmfReconstructionOutput.Error);

        var output = model.Transform(holey);
        var rebuilt = output.GetColumn<VBuffer<float>>("Reconstruction").Select(v => v.DenseValues().ToArray()).ToArray();
        var errors = output.GetColumn<float>("Error").ToArray();
        var truth = complete.GetColumn<float[]>("Pixels").ToArray();
        var seen = holey.GetColumn<float[]>("Pixels").ToArray();

        double imputed = 0, meanFill = 0;
        int count = 0;
        var columnMeans = Enumerable.Range(0, 64).Select(j => seen.Select(r => r[j]).Where(v => !float.IsNaN(v)).DefaultIfEmpty(0).Average()).ToArray();
        for (int i = 0; i < 300; i++)
            for (int j = 0; j < 64; j++)
                if (float.IsNaN(seen[i][j]) && i != 5)
                {
                    imputed += Math.Pow(rebuilt[i][j] - truth[i][j], 2);
                    meanFill += Math.Pow(columnMeans[j] - truth[i][j], 2);
                    count++;
                }
        Math.Sqrt(imputed / count).Should().BeLessThan(0.75 * Math.Sqrt(meanFill / count), "the parts predict missing pixels better than column means");
        rebuilt.SelectMany(r => r).Should().OnlyContain(v => float.IsFinite(v));
        errors.Where((_, i) => i != 5).Should().OnlyContain(v => float.IsFinite(v) && v >= 0);
        float.IsNaN(errors[5]).Should().BeTrue("row 5 has no observed slot: its error is missing, not 0 (a perfect fit), but was {0}", errors[5]);
        rebuilt[5].Should().OnlyContain(v => v == 0f, "zero features reconstruct to zero");

        // The error column is the RMS over observed slots of x − x̂.
        var observed = Enumerable.Range(0, 64).Where(j => !float.IsNaN(seen[0][j])).ToArray();
        double expected = Math.Sqrt(observed.Average(j => Math.Pow(seen[0][j] - rebuilt[0][j], 2)));
        errors[0].Should().BeApproximately((float)expected, 1e-4f);
    }

    [Fact]
    public void Reconstruction_ErrorOfARowWithNothingObserved_IsMissing_SoMLNetsMissingValueFilterDropsIt()
    {
        // Row 5 of digits-missing.csv is all NaN. Its error was 0, a perfect reconstruction, so a pipeline that flags the rows
        // the parts explain worst (or filters rows without a score) ranked it as the best explained row of all.
        var ml = new MLContext(seed: 4);
        var holey = LoadDigits(ml, "digits-missing.csv");
        holey.GetColumn<float[]>("Pixels").ElementAt(5).Should().OnlyContain(v => float.IsNaN(v), "the premise: row 5 has nothing observed");
        var model = ml.Transforms.NonNegativeMatrixFactorizationReconstruction(Options(NmfMissingValues.Ignore), "Reconstruction", "Error").Fit(holey);

        var output = model.Transform(holey);
        var errors = output.GetColumn<float>("Error").ToArray();
        var scored = ml.Data.FilterRowsByMissingValues(output, "Error");

        float.IsNaN(errors[5]).Should().BeTrue("no slot of row 5 was observed, so no error was measured, but the error was {0}", errors[5]);
        errors.Where((_, i) => i != 5).Should().OnlyContain(v => float.IsFinite(v) && v > 0);
        scored.GetColumn<float>("Error").Should().HaveCount(299).And.Equal(errors.Where((_, i) => i != 5), "ML.NET reads the NaN as a missing value");
        output.GetColumn<VBuffer<float>>("Reconstruction").ElementAt(5).DenseValues().Should().OnlyContain(v => v == 0f,
            "its reconstruction is still given (zero features)");
    }

    private sealed class ReconstructionOutput
    {
        [VectorType(64)] public float[] Reconstruction { get; set; } = [];
        public float Error { get; set; }
    }

    [Fact]
    public void Reconstruction_ThroughAPredictionEngine_MatchesTransformRowByRow()
    {
        // The outputs of a row share one projection, cached per row position: a PredictionEngine must still see each new row.
        var ml = new MLContext(seed: 5);
        var holey = LoadDigits(ml, "digits-missing.csv");
        var model = ml.Transforms.NonNegativeMatrixFactorizationReconstruction(Options(NmfMissingValues.Ignore), "Reconstruction", "Error").Fit(holey);
        var expected = ml.Data.CreateEnumerable<ReconstructionOutput>(model.Transform(holey), reuseRowObject: false).Take(6).ToArray();
        var engine = ml.Model.CreatePredictionEngine<DigitRow, ReconstructionOutput>(model);
        var rows = ml.Data.CreateEnumerable<DigitRow>(holey, reuseRowObject: false).Take(6).ToArray();
        for (int i = 0; i < rows.Length; i++)
        {
            var predicted = engine.Predict(rows[i]);
            predicted.Reconstruction.Should().Equal(expected[i].Reconstruction, $"row {i}");
            predicted.Error.Should().Be(expected[i].Error, $"row {i}");
        }
        expected[0].Reconstruction.Should().NotEqual(expected[1].Reconstruction);
    }

    [Fact]
    public void Reconstruction_WithoutAnyOutput_ThrowsNamingTheColumns()
    {
        var ml = new MLContext();
        var act = () => ml.Transforms.NonNegativeMatrixFactorizationReconstruction(new NmfOptions { InputColumnName = "Pixels", OutputColumnName = "Topics" }, null, null);
        act.Should().Throw<ArgumentException>().Which.Message.Should().Contain("Give reconstructionColumnName, errorColumnName or both");
    }

    [Fact]
    public void ModelSavedByVersion1_LoadsAndPredictsIdentically()
    {
        // digits-kl-v1.zip: saved by main before the missing-values field (payload version 1), with the outputs it
        // produced then (ModelRunner variant digits-nmf-first on digits-300.csv).
        var ml = new MLContext(seed: 3);
        var loaded = ml.Model.Load(TestData.DataPath(Path.Combine("models", "digits-kl-v1.zip")), out _);
        var output = loaded.Transform(LoadDigits(ml, "digits-300.csv"));
        var bytes = new List<byte>();
        foreach (var column in new[] { "Topics", "Scaled" })
            foreach (var row in output.GetColumn<VBuffer<float>>(column))
                foreach (var v in row.DenseValues())
                    bytes.AddRange(BitConverter.GetBytes(v));
        bytes.Should().Equal(File.ReadAllBytes(TestData.DataPath(Path.Combine("models", "digits-kl-v1.outputs.bin"))));
        ((TransformerChain<ITransformer>)loaded).OfType<NmfTransformer>().Single().Model.MissingValues.Should().Be(NmfMissingValues.Error);
    }

    [Fact]
    public void RankSelection_OnTheCatalog_ReturnsTheTableAndLogsIt()
    {
        var ml = new MLContext(seed: 1);
        var messages = new List<string>();
        ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
        var result = ml.Transforms.NonNegativeMatrixFactorizationRankSelection(LoadDigits(ml, "digits-missing.csv"), "Pixels", [2, 6],
            new NmfOptions { MaximumIterations = 40 }, holdOutFraction: 0.1, repeats: 2);
        result.Scores.Select(s => s.Rank).Should().Equal(2, 6);
        result.Scores[1].TrainingError.Should().BeLessThan(result.Scores[0].TrainingError);
        messages.Should().Contain(m => m.Contains("held-out RMSE") && m.Contains("stability"));
    }

    [Fact]
    public void RankSelection_OnTheCatalog_BadOptions_NameTheNmfOptionsProperty_AndANullColumnNamesColumnName()
    {
        // MaximumIterations = 0 was refused as "MaxIterations" (the engine's name, not NmfOptions'), and a null column as
        // "Value cannot be null. (Parameter 'name')", a parameter the method does not have.
        var ml = new MLContext(seed: 1);
        var data = LoadDigits(ml, "digits-missing.csv");

        var iterations = () => ml.Transforms.NonNegativeMatrixFactorizationRankSelection(data, "Pixels", [2], new NmfOptions { MaximumIterations = 0 });
        iterations.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be(nameof(NmfOptions.MaximumIterations));
        var threads = () => ml.Transforms.NonNegativeMatrixFactorizationRankSelection(data, "Pixels", [2], new NmfOptions { DegreeOfParallelism = 0 });
        threads.Should().Throw<ArgumentOutOfRangeException>().WithMessage("DegreeOfParallelism must be at least 1, or null for the processor count.*");
        var column = () => ml.Transforms.NonNegativeMatrixFactorizationRankSelection(data, null!, [2]);
        column.Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("columnName");
    }

    private sealed class SmallRow
    {
        [VectorType(12)] public float[] F { get; set; } = [];
    }

    [Fact]
    public void MissingValuesIgnore_OnDataAround1e20_GivesNonZeroComponents()
    {
        // The same rows without MissingValues = Ignore fit to a relative error of about 0.5; with it every component used
        // to be zero (relative error 1) with nothing said: from about 1e20 up (and 1e-40 down) the masked fit was not rescaled.
        var ml = new MLContext(seed: 1);
        var random = new Random(1);
        var rows = Enumerable.Range(0, 30)
            .Select(_ => new SmallRow { F = Enumerable.Range(0, 12).Select(_ => random.NextDouble() < 0.3 ? 0f : (float)random.NextDouble() * 1e20f).ToArray() })
            .ToArray();
        rows[2].F[3] = float.NaN;
        var options = new NmfOptions { OutputColumnName = "T", InputColumnName = "F", Rank = 3, DegreeOfParallelism = 2, MissingValues = NmfMissingValues.Ignore };

        var model = ml.Transforms.NonNegativeMatrixFactorization(options).Fit(ml.Data.LoadFromEnumerable(rows)).Model;

        model.LossHistory.Should().OnlyContain(v => double.IsFinite(v));
        model.Components.ToArray().Should().Contain(v => v > 0f, "positive data has non-zero components");
        model.ReconstructionError.Should().BeLessThan(0.9);
    }
}
