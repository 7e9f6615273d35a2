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

    // Values the model file's decoder refuses on load were accepted: the transformer worked and saved, and its zip then
    // never loaded ("Invalid MLNet.Nmf model: ..." inside a TargetInvocationException). FromComponents now applies the
    // decoder's own checks (NmfModelChecks) and names the parameter.
    private static DenseMatrix Components() => new(3, 12, Enumerable.Range(0, 36).Select(i => (float)(i % 7)).ToArray());

    public static IEnumerable<object[]> RefusedOnLoad() => new[]
    {
        new object[] { "divergence NaN", "divergence", "Invalid divergence NaN." },
        new object[] { "loss history NaN", "lossHistory", "Loss history entry 0 is NaN; a fit's objective is finite." },
        new object[] { "iterations -5", "iterations", "Invalid iteration count -5." },
        new object[] { "CoordinateDescent with KullbackLeibler", "options", "Beta 1 contradicts solver CoordinateDescent, which minimizes the Frobenius loss (beta 2)." },
        new object[] { "projection sweeps 0", "options", "Invalid projection sweep limit 0; it is in [1, 10000]." },
        new object[] { "MissingValues Ignore with KullbackLeibler", "options", "MissingValues Ignore with beta 1; only the Frobenius loss supports it." },
        new object[] { "rank above features", "components", "Rank 3 is above the number of features 2; a fit never produces that." },
        new object[] { "component norm beyond 2^120", "components", "Component 0 has squared norm *, above *: its projections would overflow float.*" },
    };

    private static NmfTransformer Make(MLContext ml, string problem) => problem switch
    {
        "divergence NaN" => NmfTransformer.FromComponents(ml, "T", "F", Components(), new NmfFitOptions { Rank = 3 }, 1, true, new double[] { 1 }, 0.5, double.NaN),
        "loss history NaN" => NmfTransformer.FromComponents(ml, "T", "F", Components(), new NmfFitOptions { Rank = 3 }, 1, true, new double[] { double.NaN }, 0.5, 1),
        "iterations -5" => NmfTransformer.FromComponents(ml, "T", "F", Components(), new NmfFitOptions { Rank = 3 }, -5, true, new double[] { 1 }, 0.5, 1),
        "CoordinateDescent with KullbackLeibler" => NmfTransformer.FromComponents(ml, "T", "F", Components(),
            new NmfFitOptions { Rank = 3, Solver = NmfSolver.CoordinateDescent, Loss = NmfLoss.KullbackLeibler }, 1, true, new double[] { 1 }, 0.5, 1),
        "projection sweeps 0" => NmfTransformer.FromComponents(ml, "T", "F", Components(),
            new NmfFitOptions { Rank = 3, ProjectionMaxIterations = 0 }, 1, true, new double[] { 1 }, 0.5, 1),
        "MissingValues Ignore with KullbackLeibler" => NmfTransformer.FromComponents(ml, "T", "F", Components(),
            new NmfFitOptions { Rank = 3, Solver = NmfSolver.MultiplicativeUpdate, Loss = NmfLoss.KullbackLeibler, MissingValues = NmfMissingValues.Ignore },
            1, true, new double[] { 1 }, 0.5, 1),
        "rank above features" => NmfTransformer.FromComponents(ml, "T", "F", new DenseMatrix(3, 2, new float[] { 1, 0, 0, 1, 1, 1 }),
            new NmfFitOptions { Rank = 3 }, 1, true, new double[] { 1 }, 0.5, 1),
        "component norm beyond 2^120" => NmfTransformer.FromComponents(ml, "T", "F", new DenseMatrix(1, 2, new float[] { 3e18f, 1 }),
            new NmfFitOptions { Rank = 1 }, 1, true, new double[] { 1 }, 0.5, 1),
        _ => throw new ArgumentOutOfRangeException(nameof(problem)),
    };

    [Theory]
    [MemberData(nameof(RefusedOnLoad))]
    public void FromComponents_WithAValueTheModelFileRefuses_ThrowsNamingIt(string problem, string parameter, string message)
    {
        var ml = new MLContext(seed: 1);

        var make = () => Make(ml, problem);

        make.Should().Throw<ArgumentException>().WithMessage(message + "*").Which.ParamName.Should().Be(parameter);
    }

    [Fact]
    public void FromComponents_WithANullSlotName_ThrowsNamingSlotNames()
    {
        // Accepted; then mlContext.Model.Save threw ArgumentNullException "Value cannot be null. (Parameter 'value')" from
        // BinaryWriter.Write in NmfModelFormat.Write, which named neither the slot nor FromComponents.
        var ml = new MLContext(seed: 1);

        var make = () => NmfTransformer.FromComponents(ml, "T", "F", Components(), new NmfFitOptions { Rank = 3 }, 1, true,
            new double[] { 1 }, 0.5, 1, Enumerable.Range(0, 12).Select(j => j == 4 ? null! : $"Word.t{j}").ToArray());

        make.Should().Throw<ArgumentException>().Where(e => e.ParamName == "slotNames" && e.Message.Contains('4'))
            .WithMessage("Slot name 4 is null;*");
    }

    [Fact]
    public void FromComponents_WithMissingValuesIgnore_KeepsItInTheModel()
    {
        // options.MissingValues was dropped (the model was built with the default, Error): Transform of a row with a NaN
        // then threw "Column 'F' has NaN ... at row 0, slot 0" although the options said NaN marks a missing entry.
        var ml = new MLContext(seed: 1);
        var transformer = NmfTransformer.FromComponents(ml, "T", "F", Components(),
            new NmfFitOptions { Rank = 3, MissingValues = NmfMissingValues.Ignore }, 1, true, new double[] { 1 }, 0.5, 1);

        transformer.Model.MissingValues.Should().Be(NmfMissingValues.Ignore);
        var row = Enumerable.Range(0, 12).Select(j => j == 0 ? float.NaN : 1f + j % 3).ToArray();
        var topics = transformer.Transform(ml.Data.LoadFromEnumerable(new[] { new TwelveRow { F = row } })).GetColumn<float[]>("T").Single();
        topics.Should().HaveCount(3).And.OnlyContain(v => float.IsFinite(v) && v >= 0f).And.Contain(v => v > 0f);
    }

    private sealed class TwelveRow
    {
        [VectorType(12)] public float[] F { get; set; } = [];
    }

    private sealed class FourRow
    {
        [VectorType(4)] public float[] Values { get; set; } = Array.Empty<float>();
    }

    [Theory]
    [InlineData("divergence")]
    [InlineData("lossHistory")]
    [InlineData("iterations")]
    public void FromComponents_RefusesWhatTheModelLoaderRefuses(string field)
    {
        // FromComponents accepted divergence NaN, a NaN loss-history entry or iterations -5; the transformer worked and
        // saved, but the saved zip never loaded again ("Invalid divergence NaN", "Loss history entry 0 is NaN",
        // "Invalid iteration count -5" from NmfModelFormat.Read). The error belongs where the value is given.
        var ml = new MLContext(seed: 1);
        var make = () => NmfTransformer.FromComponents(ml, "Topics", "Values", new DenseMatrix(2, 4, new float[] { 1, 2, 0, 1, 0, 1, 1, 0 }), new NmfFitOptions { Rank = 2 },
            iterations: field == "iterations" ? -5 : 3, converged: false, lossHistory: new[] { field == "lossHistory" ? double.NaN : 1.0 },
            reconstructionError: 0.1, divergence: field == "divergence" ? double.NaN : 1.0);

        make.Should().Throw<ArgumentException>().Where(e => e.ParamName == field);
    }

    [Fact]
    public void FromComponents_OfValuesTheLoaderAccepts_SavesAndLoadsWithThem()
    {
        // The guard of the refusals above: MissingValues, the outcome and the slot names survive the zip.
        var ml = new MLContext(seed: 1);
        var names = new[] { "Word.a", "Word.b", "Word.c", "Word.d" };
        var made = NmfTransformer.FromComponents(ml, "Topics", "Values", new DenseMatrix(2, 4, new float[] { 1, 2, 0, 1, 0, 1, 1, 0 }),
            new NmfFitOptions { Rank = 2, MissingValues = NmfMissingValues.Ignore }, 3, false, new[] { 2.0, 1.0 }, 0.1, 1.0, names);
        var data = ml.Data.LoadFromEnumerable(new[] { new FourRow { Values = new[] { 1f, float.NaN, 2f, 1f } } });
        string path = Path.Combine(Directory.CreateTempSubdirectory("nmf-fromcomponents-").FullName, "model.zip");

        ml.Model.Save(made, data.Schema, path);
        var loaded = (NmfTransformer)new MLContext().Model.Load(path, out _);

        loaded.Model.MissingValues.Should().Be(NmfMissingValues.Ignore);
        loaded.Model.Iterations.Should().Be(3);
        loaded.Model.LossHistory.Should().Equal(2.0, 1.0);
        loaded.Model.SlotNames.Should().Equal(names);
        loaded.Transform(data).GetColumn<float[]>("Topics").Single().Should().Equal(made.Transform(data).GetColumn<float[]>("Topics").Single());
    }
}
