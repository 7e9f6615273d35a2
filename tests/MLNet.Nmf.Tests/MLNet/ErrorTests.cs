using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Nmf.Tests.MLNet;

public class ErrorTests
{
    private sealed class VariableRow
    {
        public float[] Values { get; set; } = Array.Empty<float>();
    }

    private sealed class FixedRow
    {
        [VectorType(3)] public float[] Values { get; set; } = Array.Empty<float>();
    }

    private static NmfEstimator Nmf(MLContext ml, string input) => ml.Transforms.NonNegativeMatrixFactorization("Topics", input, rank: 2);

    [Fact]
    public void TextColumn_IsRejected_ByGetOutputSchemaAndFit()
    {
        var ml = new MLContext();
        var data = TextFixture.Load(ml);
        var schema = () => Nmf(ml, "Description").GetOutputSchema(SchemaShapes.From(data.Schema));
        schema.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*Description*known-size vector of Single*String*");
        var fit = () => Nmf(ml, "Description").Fit(data);
        fit.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*Description*known-size vector of Single*String*");
    }

    [Fact]
    public void VariableSizeVector_IsRejected_ByGetOutputSchemaAndFit()
    {
        var ml = new MLContext();
        var data = ml.Data.LoadFromEnumerable(new[] { new VariableRow { Values = new[] { 1f, 2f } } });
        var schema = () => Nmf(ml, "Values").GetOutputSchema(SchemaShapes.From(data.Schema));
        schema.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*Values*known-size vector of Single*");
        var fit = () => Nmf(ml, "Values").Fit(data);
        fit.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*Values*known-size vector of Single*Vector<Single>*");
    }

    [Fact]
    public void MissingColumn_IsRejected_ByGetOutputSchemaAndFit()
    {
        var ml = new MLContext();
        var data = TextFixture.Load(ml);
        var schema = () => Nmf(ml, "Nope").GetOutputSchema(SchemaShapes.From(data.Schema));
        schema.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*Nope*");
        var fit = () => Nmf(ml, "Nope").Fit(data);
        fit.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*Nope*");
    }

    [Theory]
    [InlineData(-0.25f, "a negative value (-0.25) at row 2, slot 1")]
    [InlineData(float.NaN, "NaN (NaN) at row 2, slot 1")]
    [InlineData(float.PositiveInfinity, "an infinite value (Infinity) at row 2, slot 1")]
    public void BadValue_AtFit_ThrowsNamingColumnRowSlotAndValue(float bad, string expected)
    {
        var ml = new MLContext();
        var rows = Enumerable.Range(0, 5).Select(i => new FixedRow { Values = new[] { 1f, 2f, 3f } }).ToArray();
        rows[2].Values[1] = bad;
        var act = () => Nmf(ml, "Values").Fit(ml.Data.LoadFromEnumerable(rows));
        act.Should().Throw<InvalidOperationException>().WithMessage($"*Column 'Values' has {expected}*non-negative*");
    }

    [Fact]
    public void BadValue_AtTransform_ThrowsNamingRowAndSlot()
    {
        var ml = new MLContext();
        var good = Enumerable.Range(0, 6).Select(i => new FixedRow { Values = new[] { 1f + i, 2f, 0.5f * i } }).ToArray();
        var model = Nmf(ml, "Values").Fit(ml.Data.LoadFromEnumerable(good));
        var bad = good.Select(r => new FixedRow { Values = (float[])r.Values.Clone() }).ToArray();
        bad[4].Values[2] = -3f;
        var read = () => model.Transform(ml.Data.LoadFromEnumerable(bad)).GetColumn<VBuffer<float>>("Topics").ToArray();
        // ML.NET may wrap it (its parallel cursors rethrow with their own message): look through the chain.
        read.Should().Throw<Exception>().Where(e => Flatten(e).Contains("Column 'Values' has a negative value (-3) at row 4, slot 2"));
    }

    [Fact]
    public void EmptyData_AtFit_ThrowsClearly()
    {
        var ml = new MLContext();
        var act = () => Nmf(ml, "Values").Fit(ml.Data.LoadFromEnumerable(Array.Empty<FixedRow>()));
        act.Should().Throw<InvalidOperationException>().WithMessage("*no rows*'Values'*");
    }

    [Fact]
    public void RankBelowOne_IsRejectedByTheCatalog()
    {
        var act = () => new MLContext().Transforms.NonNegativeMatrixFactorization("Topics", "Values", rank: 0);
        act.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("Rank");
    }

    private static string Flatten(Exception e) => e.InnerException is null ? e.Message : e.Message + " | " + Flatten(e.InnerException);
}
