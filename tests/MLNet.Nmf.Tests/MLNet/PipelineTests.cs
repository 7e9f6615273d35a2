using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Nmf.Tests.MLNet;

public class PipelineTests
{
    [Fact]
    public void FeaturizeText_Nmf_SdcaMaximumEntropy_OnRealText_BeatsChance_WithNonNegativeTopics()
    {
        var ml = new MLContext(seed: 1);
        var split = ml.Data.TrainTestSplit(TextFixture.Load(ml), testFraction: 0.3, seed: 1);
        var pipeline = TextFixture.Featurize(ml)
            .Append(ml.Transforms.NonNegativeMatrixFactorization("Topics", "Features", rank: 12))
            .Append(ml.Transforms.Conversion.MapValueToKey("Label", nameof(TextFixture.Row.Section)))
            .Append(ml.Transforms.NormalizeMinMax("Input", "Topics"))
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy("Label", "Input"));

        var model = pipeline.Fit(split.TrainSet);
        var scored = model.Transform(split.TestSet);
        var metrics = ml.MulticlassClassification.Evaluate(scored);

        const double chance = 1.0 / 6; // six balanced sections
        metrics.MicroAccuracy.Should().BeGreaterThan(2 * chance);
        var topics = scored.GetColumn<VBuffer<float>>("Topics").ToArray();
        topics.Should().OnlyContain(v => v.Length == 12);
        topics.SelectMany(v => v.DenseValues()).Should().OnlyContain(v => v >= 0 && float.IsFinite(v));
        topics.Count(v => v.DenseValues().Any(x => x > 0)).Should().BeGreaterThan(topics.Length * 9 / 10);
    }

    [Fact]
    public void Transform_AppendsKnownSizeVectorWithSlotNames_AndKeepsTheInput()
    {
        var ml = new MLContext(seed: 1);
        var data = TextFixture.Load(ml);
        var model = TextFixture.Featurize(ml).Append(ml.Transforms.NonNegativeMatrixFactorization("Topics", "Features", rank: 5)).Fit(data);
        var schema = model.Transform(data).Schema;

        schema["Topics"].Type.Should().Be(new VectorDataViewType(NumberDataViewType.Single, 5));
        schema.GetColumnOrNull("Features").Should().NotBeNull();
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        schema["Topics"].GetSlotNames(ref names);
        names.DenseValues().Select(n => n.ToString()).Should().Equal("Component0", "Component1", "Component2", "Component3", "Component4");

        var shape = TextFixture.Featurize(ml).Append(ml.Transforms.NonNegativeMatrixFactorization("Topics", "Features", rank: 5))
            .GetOutputSchema(SchemaShapes.From(data.Schema));
        var column = SchemaShapes.Find(shape, "Topics");
        column.Kind.Should().Be(SchemaShape.Column.VectorKind.Vector);
        column.ItemType.Should().Be(NumberDataViewType.Single);
    }

    [Fact]
    public void Transform_MatchesFitTimeFeatures_OnTrainingRows()
    {
        var ml = new MLContext(seed: 2);
        var data = TextFixture.Load(ml);
        var featurized = TextFixture.Featurize(ml).Fit(data).Transform(data);
        var nmf = ml.Transforms.NonNegativeMatrixFactorization("Topics", "Features", rank: 6).Fit(featurized);
        var viaTransform = featurized.GetColumn<VBuffer<float>>("Features")
            .Select(v => v.DenseValues().ToArray()).ToArray();
        var features = nmf.Transform(featurized).GetColumn<VBuffer<float>>("Topics").Select(v => v.DenseValues().ToArray()).ToArray();

        // An independent fit of the engine on the same rows gives the same features (same seed, same code).
        var csr = ToCsr(viaTransform);
        var engine = global::MLNet.Nmf.Engine.NmfEngine.Fit(csr, new global::MLNet.Nmf.Engine.NmfFitOptions { Rank = 6, Seed = 2 });
        for (int i = 0; i < features.Length; i++)
            features[i].Should().Equal(engine.W.Row(i).ToArray());
    }

    [Fact]
    public void TopSlots_UseFeaturizeTextTerms_AndReconstructIsWTimesH()
    {
        var ml = new MLContext(seed: 1);
        var data = TextFixture.Load(ml);
        var model = TextFixture.Featurize(ml).Append(ml.Transforms.NonNegativeMatrixFactorization("Topics", "Features", rank: 6)).Fit(data);
        var parameters = model.LastTransformer.Model;

        parameters.SlotNames.Should().NotBeNull();
        var allTerms = Enumerable.Range(0, 6).SelectMany(t => parameters.GetTopSlots(t, 10)).Select(s => s.Slot).ToArray();
        allTerms.Should().Contain(new[] { "game", "perl", "python" }, "the corpus has games, perl and python sections");
        parameters.GetTopSlots(0, 5).Select(s => s.Weight).Should().BeInDescendingOrder();

        var w = model.Transform(data).GetColumn<VBuffer<float>>("Topics").First().DenseValues().ToArray();
        var x = parameters.Reconstruct(w);
        x.Length.Should().Be(parameters.FeatureCount);
        for (int j = 0; j < x.Length; j += 97)
        {
            double expected = 0;
            for (int t = 0; t < 6; t++) expected += w[t] * parameters.GetComponent(t)[j];
            x[j].Should().BeApproximately((float)expected, 1e-5f);
        }
    }

    [Fact]
    public void Fit_ReportsProgressAndOutcome_ToMLContextLog()
    {
        var ml = new MLContext(seed: 1);
        var messages = new List<string>();
        ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
        var data = TextFixture.Featurize(ml).Fit(TextFixture.Load(ml)).Transform(TextFixture.Load(ml));
        ml.Transforms.NonNegativeMatrixFactorization(new NmfOptions { OutputColumnName = "Topics", InputColumnName = "Features", Rank = 4, MaximumIterations = 2, Tolerance = 1e-9 }).Fit(data);
        messages.Should().Contain(m => m.Contains("2 iterations") && m.Contains("without converging"));
        messages.Should().Contain(m => m.Contains("stopped at MaximumIterations = 2 without converging"));
    }

    internal static global::MLNet.Nmf.Engine.Matrices.CsrMatrix ToCsr(float[][] rows)
    {
        var ptr = new List<int> { 0 };
        var idx = new List<int>();
        var val = new List<float>();
        foreach (var row in rows)
        {
            for (int j = 0; j < row.Length; j++)
                if (row[j] != 0) { idx.Add(j); val.Add(row[j]); }
            ptr.Add(idx.Count);
        }
        return new global::MLNet.Nmf.Engine.Matrices.CsrMatrix(rows.Length, rows[0].Length, ptr.ToArray(), idx.ToArray(), val.ToArray());
    }
}
