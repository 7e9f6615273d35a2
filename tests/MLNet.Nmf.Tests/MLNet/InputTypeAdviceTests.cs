using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Nmf.Tests.MLNet;

/// <summary>
/// Columns an ML.NET user plausibly hands to NMF that are not a known-size vector of Single: the schema error says what
/// to do for that kind of column, from GetOutputSchema (a pipeline's check) and Fit alike, and following the advice works.
/// </summary>
public class InputTypeAdviceTests
{
    private sealed class ScalarRow
    {
        public double Height { get; set; }
        public float Width { get; set; }
    }

    private sealed class FlagsRow
    {
        [VectorType(3)] public bool[] Flags { get; set; } = [];
    }

    private static NmfEstimator Nmf(MLContext ml, string input, int rank = 2) => ml.Transforms.NonNegativeMatrixFactorization("Topics", input, rank);

    private static void BothSay(MLContext ml, IDataView data, string column, string expected)
    {
        var shape = () => Nmf(ml, column).GetOutputSchema(SchemaShapes.From(data.Schema));
        shape.Should().Throw<ArgumentOutOfRangeException>().WithMessage($"Schema mismatch for input column '{column}': expected known-size vector of Single, got *. {expected}*");
        var fit = () => Nmf(ml, column).Fit(data);
        fit.Should().Throw<ArgumentOutOfRangeException>().WithMessage($"Schema mismatch for input column '{column}': expected known-size vector of Single, got *. {expected}*");
    }

    [Fact]
    public void KeyColumns_AreRefused_SayingToCountTheKeys_NotToConvertTheirIndicesToSingle()
    {
        // Was no advice from Fit, and "Convert the column to Single first" from GetOutputSchema (a key's item type there is
        // UInt32), which turns category indices into amounts: a factorization of garbage.
        var ml = new MLContext(seed: 1);
        var text = TextFixture.Load(ml);
        var keyed = ml.Transforms.Text.TokenizeIntoWords("Words", nameof(TextFixture.Row.Description))
            .Append(ml.Transforms.Conversion.MapValueToKey("Words"))
            .Append(ml.Transforms.Conversion.MapValueToKey("SectionKey", nameof(TextFixture.Row.Section)))
            .Fit(text).Transform(text);

        BothSay(ml, keyed, "Words", "The column holds keys (categories), not amounts: turn them into a vector of counts first with mlContext.Transforms.Conversion.MapKeyToVector(\"Words\", outputCountVector: true).");
        BothSay(ml, keyed, "SectionKey", "The column holds keys (categories), not amounts: turn them into a vector of counts first with mlContext.Transforms.Conversion.MapKeyToVector(\"SectionKey\", outputCountVector: true).");

        var counted = ml.Transforms.Conversion.MapKeyToVector("Words", outputCountVector: true).Fit(keyed).Transform(keyed);
        var model = Nmf(ml, "Words", rank: 3).Fit(counted);
        model.Model.FeatureCount.Should().Be(((VectorDataViewType)counted.Schema["Words"].Type).Size, "the advice gives a known-size vector of Single of one slot per word");
    }

    [Fact]
    public void ScalarColumns_AreRefused_SayingToGatherTheRowsColumnsIntoOneVector()
    {
        // A scalar Double was told "Convert the column to Single first", after which it was refused again, without advice.
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new ScalarRow { Height = 1, Width = 2 }, new ScalarRow { Height = 3, Width = 1 } });

        foreach (string column in new[] { nameof(ScalarRow.Height), nameof(ScalarRow.Width) })
            BothSay(ml, data, column, $"NMF factorizes one vector per row: gather the row's numeric columns into one vector of Single first, for example mlContext.Transforms.Concatenate(\"Features\", \"{column}\", ...), converting columns that are not Single beforehand with mlContext.Transforms.Conversion.ConvertType(name, outputKind: DataKind.Single) (Concatenate takes columns of one type), and give NMF that vector.");

        var gathered = ml.Transforms.Conversion.ConvertType(nameof(ScalarRow.Height), outputKind: DataKind.Single)
            .Append(ml.Transforms.Concatenate("Features", nameof(ScalarRow.Height), nameof(ScalarRow.Width)))
            .Fit(data).Transform(data);
        Nmf(ml, "Features", rank: 1).Fit(gathered).Model.FeatureCount.Should().Be(2);
    }

    [Fact]
    public void BooleanVector_IsRefused_SayingToConvertItToSingle()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new FlagsRow { Flags = [true, false, true] }, new FlagsRow { Flags = [false, true, true] } });

        BothSay(ml, data, "Flags", "Convert the column to Single first: mlContext.Transforms.Conversion.ConvertType(\"Flags\", outputKind: DataKind.Single).");

        var converted = ml.Transforms.Conversion.ConvertType("Flags", outputKind: DataKind.Single).Fit(data).Transform(data);
        Nmf(ml, "Flags", rank: 1).Fit(converted).Model.FeatureCount.Should().Be(3);
    }
}
