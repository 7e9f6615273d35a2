using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Nmf.Serialization;

namespace MLNet.Nmf.Tests.MLNet;

/// <summary>
/// Model files from earlier versions keep loading and predicting identically, and a damaged or crafted NMF
/// payload inside an otherwise valid zip is refused by the NMF decoder with a message naming the field.
/// </summary>
public class ModelFileTests
{
    private sealed class DigitRow
    {
        [LoadColumn(0, 63), VectorType(64)] public float[] Pixels { get; set; } = Array.Empty<float>();
        [LoadColumn(64)] public float Label { get; set; }
    }

    internal static IDataView Digits(MLContext ml) =>
        ml.Data.LoadFromTextFile<DigitRow>(TestData.DataPath("digits-300.csv"), separatorChar: ',', hasHeader: true);

    /// <summary>
    /// Data/v1-digits-*.zip were saved by the main of commit 755a679 (format version 1) with
    /// tests/MLNet.Nmf.ModelRunner's "digits-nmf-first" variant and two variants added for this
    /// (CoordinateDescent with L1/L2 penalties, rank 5; MultiplicativeUpdate with beta 1.5, rank 4), fitted on
    /// digits-300.csv; the .bin beside each holds that process's outputs on the same rows, float by float.
    /// </summary>
    [Theory]
    [InlineData("v1-digits-kl", new[] { "Topics", "Scaled" })]
    [InlineData("v1-digits-frobenius", new[] { "Topics" })]
    [InlineData("v1-digits-beta", new[] { "Topics" })]
    public void ModelSavedByAnEarlierMain_LoadsAndPredictsBitIdentically(string name, string[] columns)
    {
        var ml = new MLContext(seed: 3);
        var model = ml.Model.Load(TestData.DataPath(name + ".zip"), out _);
        var transformed = model.Transform(Digits(ml));
        var actual = columns.SelectMany(c => transformed.GetColumn<VBuffer<float>>(c).SelectMany(v => v.DenseValues()))
            .SelectMany(BitConverter.GetBytes).ToArray();
        var expected = File.ReadAllBytes(TestData.DataPath(name + ".bin"));
        actual.Length.Should().Be(expected.Length);
        actual.Should().Equal(expected);
    }

    [Fact]
    public void Format4Model_SavedAgain_KeepsItsProjectionRuleAndPredictions()
    {
        // A format 4 model projects a row still moving at the sweep limit with its last sweep; saved again (format 5) it
        // must store rule 0, not take the exact finish of new fits, which changes most of this rank-60 model's rows.
        var ml = new MLContext(seed: 3);
        var old = ml.Model.Load(TestData.DataPath(Path.Combine("models", "v4-digits-nmf-wide.zip")), out var schema);
        var resaved = ModelZip.Save(ml, old, schema);
        BitConverter.ToInt32(resaved.Entry, resaved.PayloadStart + ModelZip.Version).Should().Be(5);
        BitConverter.ToInt32(resaved.Entry, resaved.PayloadStart + ProjectionRuleField(resaved)).Should().Be(0);
        var expected = File.ReadAllBytes(TestData.DataPath(Path.Combine("models", "v4-digits-nmf-wide.outputs.bin")));
        var actual = ModelZip.Load(ml, resaved.With(resaved.Entry)).Transform(Digits(ml)).GetColumn<VBuffer<float>>("Topics")
            .SelectMany(v => v.DenseValues()).SelectMany(BitConverter.GetBytes).ToArray();
        actual.Should().Equal(expected.Take(actual.Length), "the saving process's Transform outputs come first in the file");
    }

    private static (MLContext Ml, ModelZip Zip) Saved(int rank = 4)
    {
        var ml = new MLContext(seed: 1);
        var data = Digits(ml);
        var model = ml.Transforms.NonNegativeMatrixFactorization(new NmfOptions
        {
            OutputColumnName = "Topics", InputColumnName = "Pixels", Rank = rank, AlphaW = 0.001, L1Ratio = 0.5,
        }).Fit(data);
        return (ml, ModelZip.Save(ml, model, data.Schema));
    }

    private static byte[] Edit(ModelZip zip, int field, byte[] value)
    {
        var entry = zip.Entry;
        value.CopyTo(entry, zip.PayloadStart + field);
        return zip.With(ModelZip.Resealed(entry)); // crafted, not damaged: the checksum matches, so the field checks decide
    }

    /// <summary>Offset of the projection rule from the payload's start: the last field, before the checksum and the end marker.</summary>
    private static int ProjectionRuleField(ModelZip zip) => zip.PayloadEnd - zip.PayloadStart - sizeof(uint) - NmfModelFormat.ChecksumBytes - sizeof(int);

    /// <summary>Offset of the Newton step tolerance from the payload's start: just before the projection rule.</summary>
    private static int NewtonToleranceField(ModelZip zip) => ProjectionRuleField(zip) - sizeof(double);

    private const string Damaged = "The NMF payload's checksum does not match its contents";

    private static void ShouldBeRefusedAsDamaged(MLContext ml, byte[] zip)
    {
        var caught = Record.Exception(() => ModelZip.Load(ml, zip).Transform(Digits(ml)).GetColumn<VBuffer<float>>("Topics").ToList());
        caught.Should().NotBeNull("a payload changed after it was saved must not load");
        ModelZip.Chain(caught!).Should().Contain(x => x is InvalidDataException && x.Message.Contains(Damaged),
            "the checksum refuses it as damaged: {0}", ModelZip.Flatten(caught!));
    }

    public static IEnumerable<object[]> CraftedFields() => new (int Field, byte[] Value, string Message)[]
    {
        (ModelZip.Beta, BitConverter.GetBytes(-50.0), "Invalid beta -50"),
        (ModelZip.Beta, BitConverter.GetBytes(1e300), "Invalid beta 1E+300"),
        (ModelZip.Beta, BitConverter.GetBytes(1.0), "Beta 1 contradicts loss Frobenius"),
        (ModelZip.Loss, BitConverter.GetBytes((int)NmfLoss.KullbackLeibler), "Beta 2 contradicts loss KullbackLeibler"),
        (ModelZip.L1, BitConverter.GetBytes(-1.0), "Invalid penalty L1 = -1"),
        (ModelZip.L2, BitConverter.GetBytes(1e300), "Invalid penalty L2 = 1E+300"),
        (ModelZip.Tolerance, BitConverter.GetBytes(double.NaN), "Invalid projection tolerance NaN"),
        (ModelZip.Tolerance, BitConverter.GetBytes(5.0), "Invalid projection tolerance 5"),
        (ModelZip.Sweeps, BitConverter.GetBytes(1_090_519_540), "Invalid projection sweep limit 1090519540"),
        (ModelZip.Rank, BitConverter.GetBytes(65), "Rank 65 is above the number of features 64"),
        (ModelZip.Components, BitConverter.GetBytes(3.4e38f), "Component 0 has squared norm"),
        (ModelZip.Components + 4 * 70, BitConverter.GetBytes(1e20f), "Component 1 has squared norm"),
        (ModelZip.Version, BitConverter.GetBytes(7), "NMF model format version 7 is not supported"),
    }.Select(c => new object[] { c.Field, c.Value, c.Message });

    [Theory]
    [MemberData(nameof(CraftedFields))]
    public void CraftedField_IsRefusedByTheDecoder_NamingFieldAndValue(int field, byte[] value, string message)
    {
        var (ml, zip) = Saved();
        var act = () => ModelZip.Load(ml, Edit(zip, field, value));
        act.Should().Throw<Exception>().Where(e => ModelZip.Chain(e).Any(x => x is InvalidDataException && x.Message.Contains(message)),
            "the NMF decoder must refuse the field by name");
    }

    [Fact]
    public void SavedModel_IsFormat5_EndingWithTheProjectionRuleAndTheChecksumOfEverythingBefore()
    {
        var (_, zip) = Saved();
        var entry = zip.Entry;
        BitConverter.ToInt32(entry, zip.PayloadStart + ModelZip.Version).Should().Be(5);
        BitConverter.ToDouble(entry, zip.PayloadStart + NewtonToleranceField(zip)).Should().Be(global::MLNet.Nmf.Engine.Projection.NmfProjector.DefaultNewtonTolerance,
            "format 3 added the KL projection's Newton step tolerance");
        BitConverter.ToInt32(entry, zip.PayloadStart + ProjectionRuleField(zip)).Should().Be(1,
            "format 5 added the projection rule after it: 1, a Frobenius row still moving at the sweep limit is finished exactly");
        int covered = zip.PayloadEnd - zip.PayloadStart - sizeof(uint) - NmfModelFormat.ChecksumBytes;
        entry.AsSpan(zip.PayloadStart + covered, NmfModelFormat.ChecksumBytes).ToArray()
            .Should().Equal(System.Security.Cryptography.SHA256.HashData(entry.AsSpan(zip.PayloadStart, covered)),
                "format 4 stores the SHA-256 of every payload byte before it, just before the end marker");
    }

    [Theory]
    [InlineData(0)]  // the lowest mantissa bit: the value stays valid, only the checksum can tell
    [InlineData(20)] // a high mantissa bit (a change of up to 1/8 of the value)
    public void OneFlippedBitInAComponent_OfAZipWithStoredEntries_IsRefusedAsDamaged(int bit)
    {
        // The zip's entries are stored (not deflated), as zip tools may rewrite them, so the zip itself does not notice:
        // one bit of the first non-zero component value flips in the file, and the entry's CRC-32 is written anew.
        var (ml, zip) = Saved();
        var entry = zip.Entry;
        int components = zip.PayloadStart + ModelZip.Components;
        int value = Enumerable.Range(0, 4 * 64).First(i => BitConverter.ToSingle(entry, components + 4 * i) > 0);
        int at = components + 4 * value;
        BitConverter.GetBytes(BitConverter.ToUInt32(entry, at) ^ (1u << bit)).CopyTo(entry, at);
        float flipped = BitConverter.ToSingle(entry, at);
        (flipped > 0 && float.IsFinite(flipped)).Should().BeTrue("the flipped value {0} is one the field checks accept", flipped);

        ShouldBeRefusedAsDamaged(ml, zip.With(entry));
    }

    [Theory]
    [InlineData(ModelZip.Rank)]      // rank 4 -> 5, still below the 64 features
    [InlineData(ModelZip.L1)]        // the penalty, still a valid one
    [InlineData(ModelZip.Sweeps)]    // the projection's sweep limit
    [InlineData(-1)]                 // a bit of the checksum itself
    public void OneFlippedBitAnywhereInThePayload_IsRefusedAsDamaged(int field)
    {
        var (ml, zip) = Saved();
        var entry = zip.Entry;
        int at = field >= 0 ? zip.PayloadStart + field : zip.PayloadEnd - sizeof(uint) - 1;
        entry[at] ^= 1;

        ShouldBeRefusedAsDamaged(ml, zip.With(entry));
    }

    [Fact]
    public void EditedPayload_WithItsChecksumComputedAgain_Loads()
    {
        // What the tests above refuse is the change, not the editing: the same flip of the L1 penalty's lowest bit, resealed, loads.
        var (ml, zip) = Saved();
        var entry = zip.Entry;
        entry[zip.PayloadStart + ModelZip.L1] ^= 1;
        var model = ModelZip.Load(ml, zip.With(ModelZip.Resealed(entry)));
        model.Transform(Digits(ml)).GetColumn<VBuffer<float>>("Topics").First().Length.Should().Be(4);
    }

    [Theory]
    [InlineData(double.NaN, "Invalid Newton step tolerance NaN")]
    [InlineData(2.0, "Invalid Newton step tolerance 2")]
    [InlineData(-1e-3, "Invalid Newton step tolerance -0.001")]
    public void CraftedNewtonTolerance_IsRefusedByTheDecoder(double value, string message)
    {
        var (ml, zip) = Saved();
        var act = () => ModelZip.Load(ml, Edit(zip, NewtonToleranceField(zip), BitConverter.GetBytes(value)));
        act.Should().Throw<Exception>().Where(e => ModelZip.Chain(e).Any(x => x is InvalidDataException && x.Message.Contains(message)),
            "the NMF decoder must refuse the field by name");
    }

    [Theory]
    [InlineData(2, "Invalid projection rule 2")]
    [InlineData(-1, "Invalid projection rule -1")]
    public void CraftedProjectionRule_IsRefusedByTheDecoder(int value, string message)
    {
        var (ml, zip) = Saved();
        var act = () => ModelZip.Load(ml, Edit(zip, ProjectionRuleField(zip), BitConverter.GetBytes(value)));
        act.Should().Throw<Exception>().Where(e => ModelZip.Chain(e).Any(x => x is InvalidDataException && x.Message.Contains(message)),
            "the NMF decoder must refuse the field by name");
    }

    [Fact]
    public void ForeignMarker_IsRefusedByTheDecoder()
    {
        var (ml, zip) = Saved();
        var act = () => ModelZip.Load(ml, Edit(zip, 0, "XMFP"u8.ToArray()));
        act.Should().Throw<Exception>().Where(e => ModelZip.Chain(e).Any(x => x is InvalidDataException && x.Message.Contains("not an MLNet.Nmf model")));
    }

    [Theory]
    [InlineData(4)]    // the end marker
    [InlineData(40)]   // into the loss history
    [InlineData(1000)] // into the components
    public void PayloadCutShort_InAValidZip_IsRefusedAsTruncated(int cut)
    {
        var (ml, zip) = Saved();
        var act = () => ModelZip.Load(ml, zip.With(zip.ResizedPayload(cut)));
        act.Should().Throw<Exception>().Where(e => ModelZip.Chain(e).Any(x => x is InvalidDataException
            && x.Message.Contains("The NMF model payload is truncated")));
    }

    [Fact]
    public void BytesAfterTheEndMarker_AreRefused()
    {
        var (ml, zip) = Saved();
        var act = () => ModelZip.Load(ml, zip.With(zip.ResizedPayload(-8)));
        act.Should().Throw<Exception>().Where(e => ModelZip.Chain(e).Any(x => x is InvalidDataException && x.Message.Contains("has 8 bytes after its end marker")));
    }

    [Fact]
    public void UntouchedPayload_RewrittenTheSameWay_Loads()
    {
        // The editing itself does not damage anything: what the tests above refuse is the edit.
        var (ml, zip) = Saved();
        var model = ModelZip.Load(ml, zip.With(zip.ResizedPayload(0)));
        model.Transform(Digits(ml)).GetColumn<VBuffer<float>>("Topics").First().Length.Should().Be(4);
    }
}
