using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Nmf.Tests.MLNet;

/// <summary>Several column pairs in one estimator (as PCA and LDA allow), with the single-pair surface still working.</summary>
public class ColumnPairsTests
{
    private static (MLContext Ml, IDataView Data) Featurized()
    {
        var ml = new MLContext(seed: 1);
        var text = TextFixture.Load(ml);
        var data = TextFixture.Featurize(ml).Append(ml.Transforms.CopyColumns("Features2", "Features")).Fit(text).Transform(text);
        return (ml, data);
    }

    private static float[] Column(IDataView data, string name) =>
        data.GetColumn<VBuffer<float>>(name).SelectMany(v => v.DenseValues()).ToArray();

    [Fact]
    public void Fit_TwoPairs_EachMatchesItsOwnSinglePairFit_AndSurvivesSaveAndLoad()
    {
        var (ml, data) = Featurized();
        var a = new NmfOptions { OutputColumnName = "A", InputColumnName = "Features", Rank = 4, MaximumIterations = 30 };
        var b = new NmfOptions { OutputColumnName = "B", InputColumnName = "Features2", Rank = 3, MaximumIterations = 30, Solver = NmfSolver.MultiplicativeUpdate };
        var both = ml.Transforms.NonNegativeMatrixFactorization(a, b).Fit(data);

        both.Columns.Select(c => (c.OutputColumnName, c.InputColumnName)).Should().Equal(("A", "Features"), ("B", "Features2"));
        both.Models.Select(m => m.Rank).Should().Equal(4, 3);
        both.Model.Should().BeSameAs(both.Models[0], "Model is the first pair's");
        (both.OutputColumnName, both.InputColumnName).Should().Be(("A", "Features"));
        both.GetModel("B").Should().BeSameAs(both.Models[1]);
        var missing = () => both.GetModel("C");
        missing.Should().Throw<ArgumentException>().WithMessage("This NMF transformer has no output column 'C'; its output columns are: 'A', 'B'.*");

        var output = both.Transform(data);
        var aOnly = ml.Transforms.NonNegativeMatrixFactorization(a).Fit(data).Transform(data);
        var bOnly = ml.Transforms.NonNegativeMatrixFactorization(b).Fit(data).Transform(data);
        Column(output, "A").Should().Equal(Column(aOnly, "A"), "a pair is fitted exactly as on its own");
        Column(output, "B").Should().Equal(Column(bOnly, "B"));

        string path = Path.Combine(Path.GetTempPath(), $"nmf-pairs-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(both, data.Schema, path);
            var loaded = ml.Model.Load(path, out _);
            var reloaded = loaded.Transform(data);
            Column(reloaded, "A").Should().Equal(Column(output, "A"));
            Column(reloaded, "B").Should().Equal(Column(output, "B"));
            ((NmfTransformer)loaded).Models.Select(m => m.Rank).Should().Equal(4, 3);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("length", 1L << 40, "the payload of column 'Topics' declares 1099511627776 bytes but")]
    [InlineData("length", -1L, "the payload of column 'Topics' declares -1 bytes but")]
    [InlineData("terms", 1000L, "column 'Topics' names its slots after 1000 terms; expected 0 to 100.")]
    [InlineData("terms", -2L, "column 'Topics' names its slots after -2 terms; expected 0 to 100.")]
    public void DamagedColumnFraming_InAValidZip_IsRefusedNamingTheColumn(string field, long value, string message)
    {
        var ml = new MLContext(seed: 1);
        var model = ml.Transforms.NonNegativeMatrixFactorization(new NmfOptions { OutputColumnName = "Topics", InputColumnName = "Pixels", Rank = 3, MaximumIterations = 5 })
            .Fit(ModelFileTests.Digits(ml));
        var zip = ModelZip.Save(ml, model, ModelFileTests.Digits(ml).Schema);
        var entry = zip.Entry;
        if (field == "length")
            BitConverter.GetBytes(value).CopyTo(entry, zip.PayloadStart - sizeof(long));
        else
            BitConverter.GetBytes((int)value).CopyTo(entry, zip.PayloadEnd);
        var load = () => ModelZip.Load(ml, zip.With(entry));
        load.Should().Throw<Exception>().Where(e => ModelZip.Chain(e).Any(x => x is InvalidDataException
            && x.Message.StartsWith("Invalid MLNet.Nmf model: ") && x.Message.Contains(message)));
    }

    [Fact]
    public void PayloadLengthOneByteTooLong_IsRefused_WithTheBytesThatRemainForIt()
    {
        // Said "declares 1922 bytes but 1925 remain": the 4 bytes of the slot-name term count after the payload were
        // counted as room for it, so the message contradicted itself.
        var ml = new MLContext(seed: 1);
        var model = ml.Transforms.NonNegativeMatrixFactorization(new NmfOptions { OutputColumnName = "Topics", InputColumnName = "Pixels", Rank = 3, MaximumIterations = 5 })
            .Fit(ModelFileTests.Digits(ml));
        var zip = ModelZip.Save(ml, model, ModelFileTests.Digits(ml).Schema);
        var entry = zip.Entry;
        long length = zip.PayloadEnd - zip.PayloadStart;
        BitConverter.GetBytes(length + 1).CopyTo(entry, zip.PayloadStart - sizeof(long));
        var load = () => ModelZip.Load(ml, zip.With(entry));
        load.Should().Throw<Exception>().Where(e => ModelZip.Chain(e).Any(x => x is InvalidDataException && x.Message ==
            $"Invalid MLNet.Nmf model: the payload of column 'Topics' declares {length + 1} bytes but {length} remain for it before the slot-name term count; the model file is damaged."));
    }

    [Fact]
    public void Estimator_TwoPairsWithOneOutputColumn_ThrowsNamingIt()
    {
        var ml = new MLContext(seed: 1);
        var create = () => ml.Transforms.NonNegativeMatrixFactorization(
            new NmfOptions { OutputColumnName = "T", InputColumnName = "X" }, new NmfOptions { OutputColumnName = "T", InputColumnName = "Y" });
        create.Should().Throw<ArgumentException>().WithMessage("The output column 'T' is given 2 times; each column pair needs its own output column.*");
    }

    [Fact]
    public void Estimator_SeveralPairs_AnOptionOutOfRange_NamesThePairAndTheOption()
    {
        // With several pairs, "Rank must be at least 1." did not say whose Rank.
        var ml = new MLContext(seed: 1);
        var first = new NmfOptions { OutputColumnName = "A", InputColumnName = "X" };
        var create = () => ml.Transforms.NonNegativeMatrixFactorization(first, new NmfOptions { OutputColumnName = "B", InputColumnName = "X", Rank = 0 });
        var error = create.Should().Throw<ArgumentOutOfRangeException>().Which;
        error.ParamName.Should().Be("Rank");
        error.ActualValue.Should().Be(0);
        error.Message.Should().StartWith("columns[1] (output column 'B'): Rank must be at least 1.");

        var empty = () => ml.Transforms.NonNegativeMatrixFactorization(first, new NmfOptions { OutputColumnName = "" });
        empty.Should().Throw<ArgumentException>().Which.Message.Should().StartWith("columns[1]: The output column name must not be empty.");
    }

    [Fact]
    public void Estimator_SeveralPairs_OneNull_NamesItsPlace()
    {
        // Was "Value cannot be null. (Parameter 'options')", naming no parameter of the method called.
        var ml = new MLContext(seed: 1);
        var create = () => ml.Transforms.NonNegativeMatrixFactorization(new NmfOptions { OutputColumnName = "A", InputColumnName = "X" }, null!);
        var error = create.Should().Throw<ArgumentNullException>().Which;
        error.ParamName.Should().Be("columns");
        error.Message.Should().StartWith("columns[1] is null; give one NmfOptions per column pair.");
    }

    [Fact]
    public void Catalog_ColumnPairsWithANullPair_NamesItsPlace()
    {
        // The InputOutputColumnPair[] overload threw a NullReferenceException; the NmfOptions[] overload names the place.
        var ml = new MLContext(seed: 1);
        var create = () => ml.Transforms.NonNegativeMatrixFactorization(new[] { new InputOutputColumnPair("A", "X"), null! }, rank: 2);
        var error = create.Should().Throw<ArgumentNullException>().Which;
        error.ParamName.Should().Be("columns");
        error.Message.Should().StartWith("columns[1] is null; give one InputOutputColumnPair per column pair.");
    }

    [Fact]
    public void Fit_RankAboveTheNumberOfRows_WarnsInTheLog()
    {
        var (ml, data) = Featurized();
        var few = ml.Data.TakeRows(data, 5);
        var messages = new List<string>();
        ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
        ml.Transforms.NonNegativeMatrixFactorization(new NmfOptions { OutputColumnName = "T", InputColumnName = "Features", Rank = 8, MaximumIterations = 5, Initialization = NmfInitialization.Random }).Fit(few);
        messages.Should().Contain(m => m.Contains("Kind=Warning] Rank 8 exceeds the number of rows (5) of column 'Features'"));
    }

    [Fact]
    public void Fit_RankBelowTheNumberOfRows_DoesNotWarnAboutRank()
    {
        var (ml, data) = Featurized();
        var messages = new List<string>();
        ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
        ml.Transforms.NonNegativeMatrixFactorization(new NmfOptions { OutputColumnName = "T", InputColumnName = "Features", Rank = 4, MaximumIterations = 5 }).Fit(data);
        messages.Should().NotContain(m => m.Contains("exceeds the number of rows"));
    }
}
