using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Nmf.Tests.MLNet;

/// <summary>Readable topics: clean terms, a one-call summary, and output slots named after the top terms.</summary>
public class TopicsTests
{
    [Fact]
    public void GetTopTermsAndGetTopics_GiveTheTopSlotsWithoutFeaturizeTextsPrefix()
    {
        var ml = new MLContext(seed: 1);
        var text = TextFixture.Load(ml);
        // FeaturizeText with both extractors prefixes its slot names with "Word." and "Char.".
        var model = ml.Transforms.Text.FeaturizeText("Features", nameof(TextFixture.Row.Description))
            .Append(ml.Transforms.NonNegativeMatrixFactorization("Topics", "Features", rank: 3)).Fit(text).LastTransformer.Model;
        model.SlotNames.Should().Contain(s => s.StartsWith("Word.")).And.Contain(s => s.StartsWith("Char."));

        for (int t = 0; t < 3; t++)
        {
            var slots = model.GetTopSlots(t, 20);
            var terms = model.GetTopTerms(t, 20);
            terms.Select(x => x.Weight).Should().Equal(slots.Select(s => s.Weight));
            foreach (var ((slot, _), (term, _)) in slots.Zip(terms))
            {
                if (slot.StartsWith("Word."))
                    term.Should().Be(slot["Word.".Length..].Replace('|', ' '));
                else
                    term.Should().Be(slot["Char.".Length..].Replace("<␂>", "").Replace("<␃>", "").Replace("|", "").Replace('␠', ' '));
            }
        }
        var topics = model.GetTopics(termsPerTopic: 5);
        topics.Select(x => x.Component).Should().Equal(0, 1, 2);
        topics.Should().OnlyContain(x => x.Terms.Count == 5);
        topics[1].Terms.Should().Equal(model.GetTopTerms(1, 5));
        topics[1].ToString().Should().Be("Topic 1: " + string.Join(", ", model.GetTopTerms(1, 5).Select(x => x.Term)));
        var bad = () => model.GetTopics(0);
        bad.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("termsPerTopic");
    }

    [Theory]
    [InlineData("Word.rust", "rust")]
    [InlineData("Word.game|engine", "game engine")]
    [InlineData("Char.<␂>|r|e", "re")]
    [InlineData("Char.t|␠|a", "t a")]
    [InlineData("strategy", "strategy")]
    [InlineData("real-time|strategy", "real-time strategy")]
    [InlineData("e|a|l", "eal")]
    [InlineData("d|<␃>", "d")]
    [InlineData("|", "|")]
    public void CleanTerm_ReadsFeaturizeTextsSlotNames(string slot, string term) =>
        global::MLNet.Nmf.Topics.SlotNameText.CleanTerm(slot).Should().Be(term);

    [Fact]
    public void SlotNameTerms_NamesTheOutputSlotsAfterTheTopTerms_AndIsSavedWithTheModel()
    {
        var ml = new MLContext(seed: 1);
        var text = TextFixture.Load(ml);
        var pipeline = TextFixture.Featurize(ml).Append(ml.Transforms.NonNegativeMatrixFactorization(
            new NmfOptions { OutputColumnName = "Topics", InputColumnName = "Features", Rank = 4, SlotNameTerms = 3 }));
        var fitted = pipeline.Fit(text);
        var nmf = fitted.LastTransformer.Model;
        var expected = Enumerable.Range(0, 4).Select(t => string.Join("|", nmf.GetTopTerms(t, 3).Select(x => x.Term))).ToArray();

        SlotNames(fitted.Transform(text)).Should().Equal(expected);

        string path = Path.Combine(Path.GetTempPath(), $"nmf-slotnames-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(fitted, text.Schema, path);
            SlotNames(ml.Model.Load(path, out _).Transform(text)).Should().Equal(expected);
        }
        finally
        {
            File.Delete(path);
        }

        var plain = TextFixture.Featurize(ml).Append(ml.Transforms.NonNegativeMatrixFactorization("Topics", "Features", rank: 4)).Fit(text);
        SlotNames(plain.Transform(text)).Should().Equal("Component0", "Component1", "Component2", "Component3");
    }

    [Fact]
    public void SlotNameTerms_OutOfRange_ThrowsNamingTheOption()
    {
        var ml = new MLContext();
        var create = () => ml.Transforms.NonNegativeMatrixFactorization(new NmfOptions { OutputColumnName = "T", SlotNameTerms = -1 });
        create.Should().Throw<ArgumentOutOfRangeException>().WithMessage("SlotNameTerms must be between 0 and 100.*").Which.ParamName.Should().Be("SlotNameTerms");
    }

    private static string[] SlotNames(IDataView data)
    {
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        data.Schema["Topics"].GetSlotNames(ref names);
        return names.DenseValues().Select(n => n.ToString()).ToArray();
    }
}
