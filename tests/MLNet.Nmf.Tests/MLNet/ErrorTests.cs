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

    private sealed class WiderRow
    {
        [VectorType(4)] public float[] Values { get; set; } = [];
    }

    private sealed class DoubleRow
    {
        [VectorType(3)] public double[] Values { get; set; } = [];
    }

    [Fact]
    public void Transform_OfAColumnOfAnotherSizeOrType_SaysWhatToDo()
    {
        // Was "Schema mismatch for input column 'Values': expected known-size vector of Single of length 3, got
        // Vector<Single, 4>", which says what is wrong but not what to do about it.
        var ml = new MLContext(seed: 1);
        var model = Nmf(ml, "Values").Fit(ml.Data.LoadFromEnumerable(Enumerable.Range(0, 6).Select(i => new FixedRow { Values = [1f + i, 2f, 0.5f * i] })));

        var wider = () => model.Transform(ml.Data.LoadFromEnumerable(new[] { new WiderRow { Values = [1, 2, 3, 4] } }));
        wider.Should().Throw<ArgumentOutOfRangeException>().WithMessage(
            "Schema mismatch for input column 'Values': expected known-size vector of Single of length 3, got Vector<Single, 4>. The model was fitted on 3 slots: give it data prepared as at fit time (the same fitted featurization), or fit the model again on data of 4 slots.*");
        var doubles = () => model.Transform(ml.Data.LoadFromEnumerable(new[] { new DoubleRow { Values = [1, 2, 3] } }));
        doubles.Should().Throw<ArgumentOutOfRangeException>().WithMessage(
            "Schema mismatch for input column 'Values': expected known-size vector of Single of length 3, got Vector<Double, 3>. Convert the column to Single first: mlContext.Transforms.Conversion.ConvertType(\"Values\", outputKind: DataKind.Single).*");
        var doubleData = ml.Data.LoadFromEnumerable(new[] { new DoubleRow { Values = [1, 2, 3] } });
        var shape = () => Nmf(ml, "Values").GetOutputSchema(SchemaShapes.From(doubleData.Schema));
        shape.Should().Throw<ArgumentOutOfRangeException>().WithMessage(
            "*'Values'*got Vector<Double>. Convert the column to Single first: mlContext.Transforms.Conversion.ConvertType(\"Values\", outputKind: DataKind.Single).*");
        var fit = () => Nmf(ml, "Values").Fit(doubleData);
        fit.Should().Throw<ArgumentOutOfRangeException>().WithMessage(
            "*got Vector<Double, 3>. Convert the column to Single first: mlContext.Transforms.Conversion.ConvertType(\"Values\", outputKind: DataKind.Single).*");
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
        read.Should().Throw<Exception>().Where(e => ModelZip.Chain(e).Any(x => x is InvalidOperationException
            && x.Message.Contains("Column 'Values' has a negative value (-3) at row 4, slot 2")), "the transform's own error, of its own type");
    }

    [Theory]
    [InlineData(NmfFitMode.InMemory, 2)]
    [InlineData(NmfFitMode.InMemory, 4)]
    [InlineData(NmfFitMode.Streamed, 2)]
    [InlineData(NmfFitMode.Streamed, 4)]
    public void Fit_ARowOfAnotherLengthThanItsColumnDeclares_SaysToGiveEveryRowThatMany(NmfFitMode mode, int length)
    {
        // A class property with [VectorType(3)] holding an array of another length: the fit said what was wrong, but not
        // what to do, where the transform says "Give every row 3 slots".
        var ml = new MLContext(seed: 1);
        var rows = Enumerable.Range(0, 6).Select(i => new FixedRow { Values = [1f + i, 2f, 0.5f * i] }).ToArray();
        rows[4].Values = Enumerable.Repeat(1f, length).ToArray();
        var fit = () => ml.Transforms.NonNegativeMatrixFactorization(new NmfOptions { OutputColumnName = "Topics", InputColumnName = "Values", Rank = 2, FitMode = mode, BlockSize = 2 })
            .Fit(ml.Data.LoadFromEnumerable(rows));
        fit.Should().Throw<InvalidOperationException>().WithMessage($"Column 'Values' has {length} slots at row 4, but its type declares 3. Give every row 3 slots.");
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

    private sealed class SparseRow
    {
        [VectorType(6)] public VBuffer<float> Values { get; set; }
    }

    private static NmfTransformer FitSparse(MLContext ml, NmfLoss loss)
    {
        var train = Enumerable.Range(0, 20).Select(i => new SparseRow { Values = new VBuffer<float>(6, 3, new[] { 1f + i, 2f, 0.5f + i % 4 }, new[] { i % 3, 3 + i % 2, 5 }) }).ToList();
        return ml.Transforms.NonNegativeMatrixFactorization(new NmfOptions
        {
            OutputColumnName = "Topics", InputColumnName = "Values", Rank = 2, Seed = 5, FitMode = NmfFitMode.InMemory, Loss = loss, Beta = loss == NmfLoss.Beta ? 1.5 : 2,
            Solver = loss == NmfLoss.Beta ? NmfSolver.MultiplicativeUpdate : NmfSolver.CoordinateDescent,
        }).Fit(ml.Data.LoadFromEnumerable(train));
    }

    [Theory]
    [InlineData(NmfLoss.Frobenius, 50)] // was: silent output read from past the end of Hᵀ
    [InlineData(NmfLoss.Frobenius, -1)] // was: silent output read from before the start of Hᵀ
    [InlineData(NmfLoss.Beta, -1)]      // was: IndexOutOfRangeException from ProjectGeneralBeta, wrapped by ML.NET's cursor
    public void Transform_SparseIndexOutsideTheVector_IsRefused_NamingColumnRowAndSlot(NmfLoss loss, int index)
    {
        // A sparse VBuffer of length 6 whose row 1 stores an index outside [0, 6): ML.NET does not check a VBuffer's
        // indices, so the transform must, before the projector reads Hᵀ[index·k ..].
        var ml = new MLContext(seed: 1);
        var model = FitSparse(ml, loss);
        var bad = ml.Data.LoadFromEnumerable(new[]
        {
            new SparseRow { Values = new VBuffer<float>(6, 2, new[] { 1f, 2f }, new[] { 0, 3 }) },
            new SparseRow { Values = new VBuffer<float>(6, 2, new[] { 1f, 2f }, index < 0 ? new[] { index, 3 } : new[] { 1, index }) },
        });

        var transform = () => model.Transform(bad).GetColumn<VBuffer<float>>("Topics").ToList();

        // ML.NET's parallel cursors may wrap the mapper's error (as in BadValue_AtTransform_ThrowsNamingRowAndSlot).
        string slot = FormattableString.Invariant($"Column 'Values' has slot index {index} at row 1, outside its 6 slots.");
        transform.Should().Throw<InvalidOperationException>().Where(e => Flatten(e).Contains("Column 'Values'") && Flatten(e).Contains("row 1")
            && Flatten(e).Contains(slot));
    }

    [Fact]
    public void Transform_SparseIndicesNotIncreasing_IsRefused_NamingColumnRowAndSlot()
    {
        var ml = new MLContext(seed: 1);
        var model = FitSparse(ml, NmfLoss.Frobenius);
        var bad = ml.Data.LoadFromEnumerable(new[] { new SparseRow { Values = new VBuffer<float>(6, 3, new[] { 1f, 2f, 3f }, new[] { 0, 4, 2 }) } });

        var transform = () => model.Transform(bad).GetColumn<VBuffer<float>>("Topics").ToList();

        transform.Should().Throw<InvalidOperationException>().Where(e => Flatten(e).Contains(
            "Column 'Values' has slot indices out of order or repeated at row 0 (4 then 2); a sparse VBuffer needs strictly increasing indices."));
    }

    private sealed class TwelveRow
    {
        [VectorType(12)] public float[] F { get; set; } = [];
    }

    private sealed class TwelveSparseRow
    {
        [VectorType(12)] public VBuffer<float> F { get; set; }
    }

    private sealed class TopicsRow
    {
        public float[] T { get; set; } = [];
    }

    [Fact]
    public void Predict_WithASparseVectorLongerThanTheColumn_ThrowsNamingTheColumnAndLengths()
    {
        // A sparse VBuffer of length 20 for a VectorType(12) column was projected as it was, its index 15 reading Hᵀ past
        // the components (features like 1.7E-41). It is now refused as the fit refuses such a row: an
        // InvalidOperationException (the probe expected ArgumentException; see the dense case) naming column, row and lengths.
        var predict = PredictTwentySlots(new VBuffer<float>(20, 1, new[] { 1f }, new[] { 15 }));

        predict.Should().Throw<InvalidOperationException>()
            .WithMessage("Column 'F' has 20 slots at row *, but its type declares 12 (the model's features). Give every row 12 slots.");
    }

    [Fact]
    public void Predict_WithADenseVectorLongerThanTheColumn_ThrowsNamingTheColumnAndLengths()
    {
        // Was the projector's ArgumentException "The row has 20 values but the components have 12 features", naming no column.
        var predict = PredictTwentySlots(new VBuffer<float>(20, Enumerable.Repeat(1f, 20).ToArray()));

        predict.Should().Throw<InvalidOperationException>()
            .WithMessage("Column 'F' has 20 slots at row *, but its type declares 12 (the model's features). Give every row 12 slots.");
    }

    private static Func<TopicsRow> PredictTwentySlots(VBuffer<float> row)
    {
        var ml = new MLContext(seed: 1);
        var random = new Random(1);
        var rows = Enumerable.Range(0, 30)
            .Select(_ => new TwelveRow { F = Enumerable.Range(0, 12).Select(_ => random.NextDouble() < 0.3 ? 0f : (float)random.NextDouble()).ToArray() }).ToArray();
        var model = ml.Transforms.NonNegativeMatrixFactorization(new NmfOptions { OutputColumnName = "T", InputColumnName = "F", Rank = 3, DegreeOfParallelism = 2 })
            .Fit(ml.Data.LoadFromEnumerable(rows));
        var engine = ml.Model.CreatePredictionEngine<TwelveSparseRow, TopicsRow>(model);
        return () => engine.Predict(new TwelveSparseRow { F = row });
    }

    private static string Flatten(Exception e) => e.InnerException is null ? e.Message : e.Message + " | " + Flatten(e.InnerException);
}
