using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Nmf.Tests.MLNet;

/// <summary>
/// The inverse transform (<see cref="NmfModelParameters.Reconstruct"/>) and the reconstruction transform on rows it must
/// refuse: features no transform outputs, reconstructions beyond float, malformed sparse vectors.
/// </summary>
public class ReconstructionTests
{
    private sealed class Row
    {
        [VectorType(12)] public float[] F { get; set; } = [];
    }

    private sealed class SparseRow
    {
        [VectorType(12)] public VBuffer<float> F { get; set; }
    }

    private static Row[] Rows(int count, int seed, float scale)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count)
            .Select(_ => new Row { F = Enumerable.Range(0, 12).Select(_ => random.NextDouble() < 0.3 ? 0f : (float)random.NextDouble() * scale).ToArray() })
            .ToArray();
    }

    private static NmfReconstructionTransformer FitReconstruction(MLContext ml) =>
        ml.Transforms.NonNegativeMatrixFactorizationReconstruction(new NmfOptions { InputColumnName = "F", Rank = 3, DegreeOfParallelism = 2 }, "R", "E")
            .Fit(ml.Data.LoadFromEnumerable(Rows(30, 1, 1f)));

    private static string Flatten(Exception e) => e.InnerException is null ? e.Message : e.Message + " | " + Flatten(e.InnerException);

    [Theory]
    [InlineData(0, 0, 2, "Features, Features, Error")] // the reconstruction's kind damaged: 'R' loaded as a second features column
    [InlineData(0, 2, 1, "Features, Error, Reconstruction")] // 'R' loaded as the error, 'E' as the reconstruction
    public void Load_OutputKindsAFitNeverWrites_AreRefused_NotLoadedAsOtherOutputs(int first, int second, int third, string kinds)
    {
        // The kinds sit before the NMF payload, outside its checksum: such a file loaded, its columns holding other outputs
        // than their names (a PredictionEngine reading 'R' got the 3 features where it expected the 12-slot reconstruction).
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows(30, 1, 1f));
        var model = ml.Transforms.NonNegativeMatrixFactorizationReconstruction(new NmfOptions { OutputColumnName = "T", InputColumnName = "F", Rank = 3, DegreeOfParallelism = 2 }, "R", "E").Fit(data);
        var zip = ModelZip.Save(ml, model, data.Schema);
        var entry = zip.Entry;
        BitConverter.ToInt32(entry, zip.PayloadStart - 16).Should().Be(3, "the kinds' count precedes the three kinds, just before the payload");
        int[] edited = [first, second, third];
        for (int i = 0; i < 3; i++)
            BitConverter.GetBytes(edited[i]).CopyTo(entry, zip.PayloadStart - 12 + 4 * i);

        var load = () => ModelZip.Load(ml, zip.With(entry));

        load.Should().Throw<Exception>().Where(e => ModelZip.Chain(e).Any(x => x is InvalidDataException && x.Message ==
            $"Invalid MLNet.Nmf reconstruction model: its output kinds are {kinds}, but a fit writes each kind at most once, in the order Features, Reconstruction, Error, and not Features alone. The model file is damaged."));
    }

    [Fact]
    public void GetOutputSchema_AnnouncesTheAnnotationsTheTransformerGives()
    {
        // The reconstruction column always has slot names (the training input's, or Slot{j}), and nothing else; the
        // estimator announced the input column's annotations instead: none for an input without slot names, and
        // IsNormalized after a normalizer, so a pipeline's announced schema disagreed with the one it produced.
        var ml = new MLContext(1);
        var raw = ml.Data.LoadFromEnumerable(Rows(30, 1, 1f));
        foreach (var data in new[] { raw, ml.Transforms.NormalizeMinMax("F").Fit(raw).Transform(raw) })
        {
            var estimator = ml.Transforms.NonNegativeMatrixFactorizationReconstruction(
                new NmfOptions { InputColumnName = "F", OutputColumnName = "W", Rank = 3, DegreeOfParallelism = 2 }, "R", "E");

            var shape = estimator.GetOutputSchema(SchemaShapes.From(data.Schema));
            var schema = estimator.Fit(data).GetOutputSchema(data.Schema);

            foreach (string column in new[] { "W", "R", "E" })
                SchemaShapes.Find(shape, column).Annotations.Select(a => a.Name)
                    .Should().BeEquivalentTo(schema[column].Annotations.Schema.Select(a => a.Name), "column {0}'s announced annotations are those it gets", column);
        }
    }

    [Fact]
    public void Reconstruction_OfAFiniteRowNearFloatMax_DoesNotSilentlyGiveInfinity()
    {
        // The features of a row of 3e38 are finite (the projection rescales), but w·H and the RMS error overflow: the
        // reconstruction column held Infinity and the error column Infinity, with no error. The NMF transform itself
        // reports such an overflow as an InvalidOperationException naming the column and row; so does this one now.
        var ml = new MLContext(seed: 1);
        var model = FitReconstruction(ml);
        var huge = ml.Data.LoadFromEnumerable(new[] { new Row { F = Enumerable.Repeat(3e38f, 12).ToArray() } });

        var read = () => model.Transform(huge).GetColumn<float[]>("R").Single();

        read.Should().Throw<InvalidOperationException>().Where(e => e.ToString().Contains("row 0") && e.ToString().Contains("'F'")
            && Flatten(e).Contains("cannot represent the reconstruction in float"));
    }

    [Fact]
    public void Reconstruction_OfAFiniteRowNearFloatMax_StillGivesItsFeatures_AndRefusesItsError()
    {
        // The features of such a row are representable (the NMF transform gives them): only the outputs beyond float fail.
        var ml = new MLContext(seed: 1);
        var model = ml.Transforms.NonNegativeMatrixFactorizationReconstruction(
                new NmfOptions { InputColumnName = "F", OutputColumnName = "W", Rank = 3, DegreeOfParallelism = 2 }, "R", "E")
            .Fit(ml.Data.LoadFromEnumerable(Rows(30, 1, 1f)));
        var huge = model.Transform(ml.Data.LoadFromEnumerable(new[] { new Row { F = Enumerable.Repeat(3e38f, 12).ToArray() } }));

        var features = huge.GetColumn<float[]>("W").Single();
        var error = () => huge.GetColumn<float>("E").Single();

        features.Should().HaveCount(3).And.OnlyContain(v => float.IsFinite(v) && v >= 0f).And.Contain(v => v > 1e30f);
        error.Should().Throw<InvalidOperationException>().Where(e => Flatten(e).Contains("Column 'F' at row 0: NMF cannot represent the reconstruction in float"));
    }

    [Fact]
    public void Reconstruction_OfAnOrdinaryRow_IsFiniteAndItsErrorIsTheRmsOverTheSlots()
    {
        // The guard of the test above: the overflow check refuses nothing ordinary, and the error is what it says.
        var ml = new MLContext(seed: 1);
        var model = FitReconstruction(ml);
        var row = Rows(1, 7, 1f)[0];

        var output = model.Transform(ml.Data.LoadFromEnumerable(new[] { row }));
        var reconstruction = output.GetColumn<float[]>("R").Single();
        float error = output.GetColumn<float>("E").Single();

        reconstruction.Should().HaveCount(12).And.OnlyContain(v => float.IsFinite(v) && v >= 0f);
        double rms = Math.Sqrt(row.F.Zip(reconstruction, (x, y) => ((double)x - y) * ((double)x - y)).Sum() / 12);
        error.Should().Be((float)rms);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(-1f)]
    [InlineData(float.PositiveInfinity)]
    public void Reconstruct_WithAFeatureThatIsNotFiniteNonNegative_ThrowsNamingIt(float feature)
    {
        // Reconstruct checked only the length: NaN gave a row of NaN, -1 negative slots, ∞ a row of ∞.
        var ml = new MLContext(seed: 1);
        var model = ml.Transforms.NonNegativeMatrixFactorization(new NmfOptions { OutputColumnName = "T", InputColumnName = "F", Rank = 3, DegreeOfParallelism = 2 })
            .Fit(ml.Data.LoadFromEnumerable(Rows(30, 1, 1f))).Model;

        var reconstruct = () => model.Reconstruct(new[] { 1f, feature, 1f });

        string named = FormattableString.Invariant($"feature 1 is {feature}");
        reconstruct.Should().Throw<ArgumentException>().Where(e => e.ParamName == "features" && e.Message.Contains(named));
    }

    [Fact]
    public void Reconstruct_OfFeaturesBeyondTheData_ThrowsOverflowNamingTheSlot()
    {
        var ml = new MLContext(seed: 1);
        var model = ml.Transforms.NonNegativeMatrixFactorization(new NmfOptions { OutputColumnName = "T", InputColumnName = "F", Rank = 3, DegreeOfParallelism = 2 })
            .Fit(ml.Data.LoadFromEnumerable(Rows(30, 1, 1f))).Model;

        var reconstruct = () => model.Reconstruct(new[] { float.MaxValue, float.MaxValue, float.MaxValue });

        reconstruct.Should().Throw<OverflowException>().WithMessage("NMF cannot represent the reconstruction in float: slot *");
    }

    [Theory]
    [InlineData(12)]
    [InlineData(-3)]
    public void Reconstruction_SparseIndexOutsideTheVector_IsRefused_NamingColumnRowAndSlot(int index)
    {
        // The reconstruction transform projected sparse rows without checking their indices, and its error column walked
        // them assuming they were sorted slots.
        var ml = new MLContext(seed: 1);
        var model = FitReconstruction(ml);
        var rows = new[]
        {
            new SparseRow { F = new VBuffer<float>(12, 2, new[] { 1f, 2f }, new[] { 0, 3 }) },
            new SparseRow { F = new VBuffer<float>(12, 2, new[] { 1f, 2f }, index < 0 ? new[] { index, 3 } : new[] { 1, index }) },
        };

        var read = () => model.Transform(ml.Data.LoadFromEnumerable(rows)).GetColumn<float>("E").ToList();

        string named = FormattableString.Invariant($"Column 'F' has slot index {index} at row 1, outside its 12 slots.");
        read.Should().Throw<InvalidOperationException>().Where(e => Flatten(e).Contains(named));
    }

    [Fact]
    public void Reconstruction_SparseIndicesNotIncreasing_IsRefused()
    {
        var ml = new MLContext(seed: 1);
        var model = FitReconstruction(ml);
        var rows = new[] { new SparseRow { F = new VBuffer<float>(12, 3, new[] { 1f, 2f, 3f }, new[] { 1, 6, 6 }) } };

        var read = () => model.Transform(ml.Data.LoadFromEnumerable(rows)).GetColumn<float>("E").ToList();

        read.Should().Throw<InvalidOperationException>().Where(e => Flatten(e).Contains("Column 'F' has slot indices out of order or repeated at row 0 (6 then 6)"));
    }

    [Fact]
    public void Reconstruction_SparseRowLongerThanTheColumn_IsRefused()
    {
        var ml = new MLContext(seed: 1);
        var model = FitReconstruction(ml);
        var rows = new[] { new SparseRow { F = new VBuffer<float>(20, 1, new[] { 1f }, new[] { 5 }) } };

        var read = () => model.Transform(ml.Data.LoadFromEnumerable(rows)).GetColumn<float>("E").ToList();

        read.Should().Throw<InvalidOperationException>().Where(e => Flatten(e).Contains("Column 'F' has 20 slots at row 0, but its type declares 12"));
    }

    [Fact]
    public void Reconstruction_OfASparseRow_EqualsThatOfItsDenseForm()
    {
        var ml = new MLContext(seed: 1);
        var model = FitReconstruction(ml);
        var dense = new float[12];
        dense[2] = 0.5f; dense[7] = 1.5f; dense[11] = 0.25f;
        var sparse = new SparseRow { F = new VBuffer<float>(12, 3, new[] { 0.5f, 1.5f, 0.25f }, new[] { 2, 7, 11 }) };

        var fromSparse = model.Transform(ml.Data.LoadFromEnumerable(new[] { sparse }));
        var fromDense = model.Transform(ml.Data.LoadFromEnumerable(new[] { new Row { F = dense } }));

        fromSparse.GetColumn<float[]>("R").Single().Should().Equal(fromDense.GetColumn<float[]>("R").Single());
        float error = fromSparse.GetColumn<float>("E").Single();
        error.Should().Be(fromDense.GetColumn<float>("E").Single()).And.BeGreaterThan(0f);
    }
}
