using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Nmf.Tests.MLNet;

/// <summary>
/// <see cref="NmfOptions.CheckpointDirectory"/> through ML.NET: a streamed fit whose input fails in pass 3 is fitted
/// again with the same options and resumes, ending with the components of an uninterrupted fit.
/// </summary>
public sealed class StreamedCheckpointTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nmf-ml-checkpoint-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private sealed class Row
    {
        [VectorType(6)] public float[] Values { get; set; } = Array.Empty<float>();
    }

    /// <summary>2000 rows made on demand, counting the passes (cursors); the given pass throws an IOException after 1234 rows.</summary>
    private sealed class Rows(int failingPass)
    {
        public int Passes;

        public IEnumerable<Row> Read()
        {
            int pass = Interlocked.Increment(ref Passes);
            for (int i = 0; i < 2000; i++)
            {
                if (pass == failingPass && i == 1234)
                    throw new IOException($"The network share went away at row {i} of pass {pass}.");
                yield return new Row { Values = new[] { 1f + i % 7, 0.5f * (i % 3), 2f + i % 5, i % 11, 3f, (i * 7919) % 13 } };
            }
        }
    }

    private NmfOptions Options(string? checkpoint) => new()
    {
        OutputColumnName = "Topics", InputColumnName = "Values", Rank = 3, Seed = 3, Initialization = NmfInitialization.Random,
        MaximumIterations = 8, Tolerance = 0, MaximumPasses = 9, FitMode = NmfFitMode.Streamed, BlockSize = 500,
        CheckpointDirectory = checkpoint,
    };

    [Fact]
    public void Streamed_InputFailingInPass3_RefitWithTheSameOptions_ResumesToTheUninterruptedComponents()
    {
        var ml = new MLContext(seed: 1);
        var log = new List<string>();
        ml.Log += (_, e) => { if (e.Message.Contains("NMF streamed", StringComparison.Ordinal)) lock (log) log.Add(e.Message); };
        var uninterrupted = ml.Transforms.NonNegativeMatrixFactorization(Options(null)).Fit(ml.Data.LoadFromEnumerable(new Rows(-1).Read()));

        var failing = new Rows(failingPass: 3);
        var act = () => ml.Transforms.NonNegativeMatrixFactorization(Options(_directory)).Fit(ml.Data.LoadFromEnumerable(failing.Read()));
        act.Should().Throw<IOException>().WithMessage("The network share went away at row 1234 of pass 3.");
        Directory.GetFiles(_directory).Should().NotBeEmpty("pass 2 was committed");

        var again = new Rows(-1);
        var resumed = ml.Transforms.NonNegativeMatrixFactorization(Options(_directory)).Fit(ml.Data.LoadFromEnumerable(again.Read()));

        resumed.Model.Components.ToArray().Should().Equal(uninterrupted.Model.Components.ToArray());
        resumed.Model.LossHistory.Should().Equal(uninterrupted.Model.LossHistory);
        resumed.Model.Iterations.Should().Be(8);
        resumed.Model.ReconstructionError.Should().Be(uninterrupted.Model.ReconstructionError);
        again.Passes.Should().Be(1 + 7, "pass 1 to check the data, then passes 3 to 9");
        log.Should().Contain(m => m.Contains("NMF streamed: resumed from the checkpoint in") && m.Contains("after pass 2 (iteration 1)"));
        Directory.GetFiles(_directory).Should().BeEmpty("the finished fit deleted its checkpoint");
    }

    [Fact]
    public void Refit_WithAnotherBlockSize_IsRefusedNamingBlockSize_AndTheCheckpointStillResumes()
    {
        // Once: "the data differs (row blocks is 4 there, 5 here; ...)" for the very same rows, leaving the user to guess
        // that BlockSize was the difference.
        var ml = new MLContext(seed: 1);
        var act = () => ml.Transforms.NonNegativeMatrixFactorization(Options(_directory)).Fit(ml.Data.LoadFromEnumerable(new Rows(failingPass: 4).Read()));
        act.Should().Throw<IOException>();

        var options = Options(_directory);
        options.BlockSize = 400;
        var other = () => ml.Transforms.NonNegativeMatrixFactorization(options).Fit(ml.Data.LoadFromEnumerable(new Rows(-1).Read()));

        other.Should().Throw<InvalidOperationException>().WithMessage(
            $"The checkpoint in '{_directory}' was made by another fit, so this fit cannot resume from it: the data differs (row blocks is 4 there, 5 here; *). "
            + "The same 2000 rows came in other blocks: resume with the block size of the interrupted fit (NmfOptions.BlockSize in ML.NET; the source's blocks for NmfEngine.FitStreamed). A checkpoint resumes only the same fit*");
        var again = new Rows(-1);
        ml.Transforms.NonNegativeMatrixFactorization(Options(_directory)).Fit(ml.Data.LoadFromEnumerable(again.Read())).Model.Iterations.Should().Be(8);
        again.Passes.Should().Be(1 + 6, "pass 1 to check the data, then passes 4 to 9");
    }

    [Fact]
    public void Refit_WithOtherMaximumIterationsAndPasses_IsRefusedBeforeReading_NamingTheMLNetOptions()
    {
        // Once: "MaxIterations is 8 there, 7 here; MaxPasses is 9 there, 8 here", the engine's names, which NmfOptions
        // calls MaximumIterations and MaximumPasses; and only after the counting pass had read every row again.
        var ml = new MLContext(seed: 1);
        var act = () => ml.Transforms.NonNegativeMatrixFactorization(Options(_directory)).Fit(ml.Data.LoadFromEnumerable(new Rows(failingPass: 4).Read()));
        act.Should().Throw<IOException>();

        var options = Options(_directory);
        options.MaximumIterations = 7;
        options.MaximumPasses = 8;
        var rows = new Rows(-1);
        var other = () => ml.Transforms.NonNegativeMatrixFactorization(options).Fit(ml.Data.LoadFromEnumerable(rows.Read()));

        other.Should().Throw<InvalidOperationException>().WithMessage(
            $"The checkpoint in '{_directory}' was made by another fit, so this fit cannot resume from it: the options differ (MaxIterations (NmfOptions.MaximumIterations) is 8 there, 7 here; MaxPasses (NmfOptions.MaximumPasses) is 9 there, 8 here). A checkpoint resumes only the same fit*");
        rows.Passes.Should().Be(0, "the options are compared before any row is read");
    }

    [Fact]
    public void AutoFittedInMemory_DeletesAnEarlierStreamedAttemptsCheckpoint_AndNothingElse()
    {
        // A streamed fit failed in pass 3 and left its checkpoint; fitted again with FitMode Auto, the data now fits in memory
        // and is fitted there. Its checkpoint once stayed behind for good (W twice: 8 bytes x rows x rank), although a fit
        // that finishes keeps none. Files of the user's beside it, even ones named like the checkpoint's, must stay.
        var ml = new MLContext(seed: 1);
        var act = () => ml.Transforms.NonNegativeMatrixFactorization(Options(_directory)).Fit(ml.Data.LoadFromEnumerable(new Rows(failingPass: 3).Read()));
        act.Should().Throw<IOException>().WithMessage("The network share went away at row 1234 of pass 3.");
        Directory.GetFiles(_directory).Select(Path.GetFileName).Should().BeEquivalentTo(
            ["mlnet-nmf-stream.manifest", "mlnet-nmf-stream.features-0.bin", "mlnet-nmf-stream.features-1.bin"]);
        string[] theUsers = ["notes.txt", "mlnet-nmf-stream.manifest.bak", "mlnet-nmf-stream.features-2.bin"];
        foreach (string name in theUsers)
            File.WriteAllText(Path.Combine(_directory, name), "the user's");
        var log = new List<string>();
        ml.Log += (_, e) => { if (e.Message.Contains("NMF: ", StringComparison.Ordinal)) lock (log) log.Add(e.Message); };
        var auto = Options(_directory);
        auto.FitMode = NmfFitMode.Auto;

        var model = ml.Transforms.NonNegativeMatrixFactorization(auto).Fit(ml.Data.LoadFromEnumerable(new Rows(-1).Read())).Model;

        model.Iterations.Should().Be(8);
        log.Should().Contain(m => m.Contains("NMF: fitting in memory (FitMode Auto"));
        log.Should().Contain(m => m.EndsWith($"NMF: deleted the 3 files of an earlier streamed fit's checkpoint in '{_directory}': this column was fitted in memory, and a finished fit keeps no checkpoint.", StringComparison.Ordinal));
        Directory.GetFiles(_directory).Select(Path.GetFileName).Should().BeEquivalentTo(theUsers);
        foreach (string name in theUsers)
            File.ReadAllText(Path.Combine(_directory, name)).Should().Be("the user's");
    }

    [Fact]
    public void CheckpointDirectory_WhereTheColumnCannotStream_OrSharedByTwoColumns_IsRefusedNamingIt()
    {
        var ml = new MLContext(seed: 1);
        var inMemory = Options(_directory);
        inMemory.FitMode = NmfFitMode.InMemory;
        var act = () => ml.Transforms.NonNegativeMatrixFactorization(inMemory);
        act.Should().Throw<ArgumentException>().WithMessage("CheckpointDirectory is kept by a streamed fit only, but this column is fitted in memory (FitMode InMemory*")
            .Which.ParamName.Should().Be("CheckpointDirectory");

        var second = Options(_directory);
        second.OutputColumnName = "Other";
        var shared = () => ml.Transforms.NonNegativeMatrixFactorization(Options(_directory), second);
        shared.Should().Throw<ArgumentException>().WithMessage($"The CheckpointDirectory '{_directory}' is given to 2 column pairs (Topics, Other)*")
            .Which.ParamName.Should().Be("CheckpointDirectory");
    }
}
