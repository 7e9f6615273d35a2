using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Nmf.Tests.MLNet;

/// <summary>
/// <c>NonNegativeMatrixFactorizationRankSelection</c> and the NmfOptions of a streamed fit: rank selection reads the data
/// into memory, so FitMode Streamed and a CheckpointDirectory are refused by name instead of silently ignored.
/// </summary>
public class RankSelectionOptionsTests
{
    private sealed class DigitRow
    {
        [LoadColumn(0, 63), VectorType(64)] public float[] Pixels { get; set; } = [];
    }

    private static IDataView Digits(MLContext ml) =>
        ml.Data.LoadFromTextFile<DigitRow>(TestData.DataPath("digits-missing.csv"), separatorChar: ',', hasHeader: true);

    [Fact]
    public void RankSelection_WithFitModeStreamed_ThrowsNamingFitMode_BeforeAnyFit()
    {
        // It read the column into memory and fitted every rank as if FitMode were InMemory, without a word.
        var ml = new MLContext(seed: 1);
        var messages = new List<string>();
        ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };

        var run = () => ml.Transforms.NonNegativeMatrixFactorizationRankSelection(Digits(ml), "Pixels", [2, 3],
            new NmfOptions { FitMode = NmfFitMode.Streamed, MaximumIterations = 10 }, repeats: 1);

        var error = run.Should().Throw<ArgumentException>().Which;
        error.ParamName.Should().Be(nameof(NmfOptions.FitMode));
        error.Message.Should().Be("FitMode is Streamed, but rank selection reads the data into memory (it holds entries out as missing values, which a streamed fit cannot take). Leave FitMode at Auto or InMemory; for data larger than memory, choose the rank on a sample of the rows, then fit that rank with FitMode Streamed. (Parameter 'FitMode')");
        messages.Should().NotContain(m => m.Contains("NMF rank "), "nothing was fitted");
    }

    [Fact]
    public void RankSelection_WithACheckpointDirectory_ThrowsNamingCheckpointDirectory_AndWritesNothingThere()
    {
        // It was ignored: the user believed the run would resume after a fault, and nothing was ever written.
        var ml = new MLContext(seed: 1);
        string directory = Path.Combine(Path.GetTempPath(), "mlnet-nmf-rank-" + Guid.NewGuid().ToString("N"));

        var run = () => ml.Transforms.NonNegativeMatrixFactorizationRankSelection(Digits(ml), "Pixels", [2, 3],
            new NmfOptions { CheckpointDirectory = directory, MaximumIterations = 10 }, repeats: 1);

        var error = run.Should().Throw<ArgumentException>().Which;
        error.ParamName.Should().Be(nameof(NmfOptions.CheckpointDirectory));
        error.Message.Should().Be("CheckpointDirectory is set, but rank selection reads the data into memory and keeps no checkpoint. Leave CheckpointDirectory null here, and set it on the streamed fit of the rank you choose. (Parameter 'CheckpointDirectory')");
        Directory.Exists(directory).Should().BeFalse();
    }

    [Fact]
    public void RankSelection_WithAnUnknownFitMode_ThrowsOutOfRangeNamingFitMode()
    {
        var ml = new MLContext(seed: 1);

        var run = () => ml.Transforms.NonNegativeMatrixFactorizationRankSelection(Digits(ml), "Pixels", [2],
            new NmfOptions { FitMode = (NmfFitMode)7 }, repeats: 1);

        var error = run.Should().Throw<ArgumentOutOfRangeException>().Which;
        error.ParamName.Should().Be(nameof(NmfOptions.FitMode));
        error.ActualValue.Should().Be((NmfFitMode)7);
        error.Message.Should().StartWith("Unknown FitMode; rank selection reads the data into memory: use Auto or InMemory.");
    }

    [Fact]
    public void RankSelection_WithFitModeAutoOrInMemory_RunsAndScoresTheSame()
    {
        var ml = new MLContext(seed: 1);
        var data = Digits(ml);

        var scores = new[] { NmfFitMode.Auto, NmfFitMode.InMemory }.Select(mode => ml.Transforms.NonNegativeMatrixFactorizationRankSelection(data, "Pixels", [2, 3],
            new NmfOptions { FitMode = mode, MaximumIterations = 20, DegreeOfParallelism = 2 }, repeats: 1).Scores).ToArray();

        scores[0].Select(s => s.Rank).Should().Equal(2, 3);
        scores[0].Select(s => s.HeldOutError).Should().OnlyContain(e => double.IsFinite(e) && e > 0);
        scores[1].Select(s => (s.HeldOutError, s.TrainingError)).Should().Equal(scores[0].Select(s => (s.HeldOutError, s.TrainingError)));
    }
}
