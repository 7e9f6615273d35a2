using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Tests.MLNet;

/// <summary><see cref="NmfTransformer.FromComponents"/>: components fitted elsewhere become the ordinary transformer.</summary>
public class FromComponentsTests
{
    [Fact]
    public void FromComponents_OfAnEstimatorsFit_TransformsIdentically_AndRoundTripsThroughAZip()
    {
        var ml = new MLContext(seed: 1);
        var featurized = TextFixture.Featurize(ml).Fit(TextFixture.Load(ml)).Transform(TextFixture.Load(ml));
        var fitted = ml.Transforms.NonNegativeMatrixFactorization(new NmfOptions
        {
            OutputColumnName = "Topics", InputColumnName = "Features", Rank = 5, MaximumIterations = 30, AlphaW = 0.001, L1Ratio = 0.5,
        }).Fit(featurized);
        var m = fitted.Model;
        var options = new NmfFitOptions { Rank = 5, AlphaW = 0.001, L1Ratio = 0.5 };

        var rebuilt = NmfTransformer.FromComponents(ml, "Topics", "Features", new DenseMatrix(m.Rank, m.FeatureCount, m.Components.ToArray()),
            options, m.Iterations, m.Converged, m.LossHistory, m.ReconstructionError, m.Divergence, m.SlotNames);
        string path = Path.Combine(Directory.CreateTempSubdirectory("nmf-fromcomponents-").FullName, "model.zip");
        ml.Model.Save(rebuilt, featurized.Schema, path);
        var loaded = (NmfTransformer)new MLContext().Model.Load(path, out _);

        float[] Topics(ITransformer t) => t.Transform(featurized).GetColumn<VBuffer<float>>("Topics").SelectMany(v => v.DenseValues()).ToArray();
        var expected = Topics(fitted);
        Topics(rebuilt).Should().Equal(expected);
        Topics(loaded).Should().Equal(expected);
        loaded.Model.Components.ToArray().Should().Equal(m.Components.ToArray());
        loaded.Model.GetTopSlots(0, 3).Should().Equal(m.GetTopSlots(0, 3));
    }

    [Fact]
    public void FromComponents_NegativeComponent_NamesComponentAndFeature()
    {
        var h = new DenseMatrix(2, 3, new float[] { 1, 0, 1, 0, 1, 1 });
        var values = h.Values.ToArray();
        values[4] = -1;
        var act = () => NmfTransformer.FromComponents(new MLContext(), "Topics", "Features", new DenseMatrix(2, 3, values, validate: false),
            new NmfFitOptions { Rank = 2 }, 1, false, new[] { 1.0, 0.5 }, 0.1, 0.2);
        act.Should().Throw<ArgumentException>().WithMessage("Component 1, feature 1 holds -1; components must be finite and non-negative.*");
    }
}
