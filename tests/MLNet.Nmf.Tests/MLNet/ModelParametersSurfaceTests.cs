using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Nmf.Tests.MLNet;

/// <summary>
/// NmfModelParameters is read-only: its LossHistory and SlotNames were the model's own double[] and string[], so a
/// cast changed what the model reports, its topics and the model file saved afterwards.
/// </summary>
public class ModelParametersSurfaceTests
{
    [Fact]
    public void LossHistoryAndSlotNames_CannotBeChangedThroughACast_NorReachTheSavedModel()
    {
        var ml = new MLContext(seed: 1);
        var text = TextFixture.Load(ml);
        var model = TextFixture.Featurize(ml)
            .Append(ml.Transforms.NonNegativeMatrixFactorization("Topics", "Features", rank: 3))
            .Fit(text);
        var parameters = model.LastTransformer.Model;
        var history = parameters.LossHistory.ToArray();
        var names = parameters.SlotNames!.ToArray();
        var topTerms = parameters.GetTopTerms(0, 5).ToArray();

        (parameters.LossHistory as double[]).Should().BeNull("a cast must not reach the model's loss history");
        (parameters.SlotNames as string[]).Should().BeNull("a cast must not reach the model's slot names");
        var historyList = parameters.LossHistory.Should().BeAssignableTo<IList<double>>().Subject;
        var writeHistory = () => historyList[0] = -1;
        writeHistory.Should().Throw<NotSupportedException>().WithMessage("Collection is read-only.");
        var nameList = parameters.SlotNames.Should().BeAssignableTo<IList<string>>().Subject;
        var writeName = () => nameList[0] = "changed";
        writeName.Should().Throw<NotSupportedException>().WithMessage("Collection is read-only.");

        parameters.LossHistory.Should().Equal(history);
        parameters.SlotNames.Should().Equal(names);
        parameters.GetTopTerms(0, 5).Should().Equal(topTerms);
        string path = Path.Combine(Directory.CreateTempSubdirectory("nmf-surface-").FullName, "model.zip");
        ml.Model.Save(model, text.Schema, path);
        var loaded = ((TransformerChain<ITransformer>)ml.Model.Load(path, out _)).LastTransformer as NmfTransformer;
        loaded!.Model.LossHistory.Should().Equal(history);
        loaded.Model.SlotNames.Should().Equal(names);
    }
}
