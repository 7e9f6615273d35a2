using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Nmf.Tests.MLNet;

/// <summary>
/// Finite input never gives NaN or ∞ through ML.NET: a fitted model used to transform [1e38, …] to [∞, 0] and
/// [float.MaxValue, …] to [NaN, NaN]; data scaled by 1e19 used to fail with "The matrix has NaN" (it had none).
/// </summary>
public class ExtremeValueTransformTests
{
    private sealed class Row
    {
        [VectorType(4)] public float[] Values { get; set; } = Array.Empty<float>();
    }

    private static Row[] Rows(double scale) => Enumerable.Range(0, 12)
        .Select(i => new Row { Values = new[] { 1f + i % 5, 2f + i % 3, 0.5f * (i % 4), 3f - i % 2 }.Select(v => (float)(v * scale)).ToArray() })
        .ToArray();

    private static float[] Topics(MLContext ml, ITransformer model, Row[] rows) =>
        model.Transform(ml.Data.LoadFromEnumerable(rows)).GetColumn<VBuffer<float>>("Topics").SelectMany(v => v.DenseValues()).ToArray();

    [Fact]
    public void HugeFiniteRows_TransformToFiniteNonNegativeFeatures()
    {
        var ml = new MLContext(seed: 1);
        var model = ml.Transforms.NonNegativeMatrixFactorization("Topics", "Values", rank: 2).Fit(ml.Data.LoadFromEnumerable(Rows(1)));
        var huge = new[]
        {
            new Row { Values = new[] { 1e38f, 1f, 2f, 3f } },
            new Row { Values = new[] { float.MaxValue, 1f, 2f, 3f } },
            new Row { Values = new[] { float.MaxValue, float.MaxValue, float.MaxValue, float.MaxValue } },
        };
        var topics = Topics(ml, model, huge);
        topics.Should().OnlyContain(v => float.IsFinite(v) && v >= 0);
        topics.Should().Contain(v => v > 1e30f);
    }

    [Theory]
    [InlineData(1e18)]
    [InlineData(1e19)]
    [InlineData(1e30)]
    public void ScaledTrainingData_FitsAFiniteModel_WithFitEqualToTransform(double scale)
    {
        var ml = new MLContext(seed: 1);
        var rows = Rows(scale);
        var model = ml.Transforms.NonNegativeMatrixFactorization("Topics", "Values", rank: 2).Fit(ml.Data.LoadFromEnumerable(rows));
        double.IsFinite(model.Model.ReconstructionError).Should().BeTrue();
        model.Model.ReconstructionError.Should().BeInRange(0, 1);
        model.Model.Components.ToArray().Should().OnlyContain(v => float.IsFinite(v) && v >= 0);
        var topics = Topics(ml, model, rows);
        topics.Should().OnlyContain(v => float.IsFinite(v) && v >= 0);
        topics.Should().Contain(v => v > 0);
    }

    [Fact]
    public void RowWhoseFeaturesFloatCannotHold_IsRefusedNamingColumnAndRow()
    {
        var ml = new MLContext(seed: 1);
        var model = ml.Transforms.NonNegativeMatrixFactorization("Topics", "Values", rank: 2).Fit(ml.Data.LoadFromEnumerable(Rows(1e-30)));
        var rows = new[] { new Row { Values = new[] { 1e-30f, 2e-30f, 0f, 1e-30f } }, new Row { Values = new[] { 3e38f, 3e38f, 3e38f, 3e38f } } };
        var read = () => Topics(ml, model, rows);
        read.Should().Throw<Exception>().Where(e => ModelZip.Chain(e).Any(x => x is InvalidOperationException
            && x.Message.StartsWith("Column 'Values' at row 1: NMF cannot represent the row's features in float")));
    }
}
