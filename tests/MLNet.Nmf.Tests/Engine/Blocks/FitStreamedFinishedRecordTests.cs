using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Blocks;
using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Tests.Engine.Blocks;

/// <summary>
/// <see cref="NmfStreamingOptions.KeepFinished"/>: a finished streamed fit leaves a finished record in its checkpoint
/// directory; the same fit again returns its result bit for bit after the counting pass only; a damaged record is refused;
/// without KeepFinished a fit deletes every file, and <see cref="NmfEngine.DeleteFinishedRecord"/> deletes the record.
/// </summary>
public sealed class FitStreamedFinishedRecordTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nmf-finished-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private sealed class CountingSource(IReadOnlyList<INmfMatrix> blocks, int columns) : INmfRowBlockSource
    {
        public int Columns => columns;
        public int Passes { get; private set; }
        public int FaultPass { get; init; } = -1;

        public IEnumerable<INmfMatrix> ReadBlocks()
        {
            Passes++;
            for (int b = 0; b < blocks.Count; b++)
            {
                if (Passes == FaultPass && b == 1)
                    throw new IOException($"The disk went away in pass {Passes}.");
                yield return blocks[b];
            }
        }
    }

    private static readonly NmfFitOptions Options = new() { Rank = 4, MaxIterations = 6, Tolerance = 0, Shuffle = true, Seed = 5, AlphaW = 0.0001, L1Ratio = 0.2 };

    private static INmfMatrix[] Blocks()
    {
        var (_, sparse) = TestData.Random(600, 40, 0.1, seed: 21);
        return FitBlocksTests.Split(sparse, 250, 250, 100);
    }

    private NmfStreamingOptions Streaming(bool keep) => new() { MaxPasses = 50, CheckpointDirectory = _directory, KeepFinished = keep };

    private string Record => Path.Combine(_directory, "mlnet-nmf-stream.finished");

    [Fact]
    public void TheSameFitAgain_ReportsTheRecordedLastPass_AsAResumeReportsItsRestoredPass()
    {
        // PassCompleted promises each pass, and for a resumed fit the restored pass with 0 rows read; a fit returned from its
        // finished record once reported only the counting pass, so a caller's progress stopped at pass 1 of 7.
        var blocks = Blocks();
        var uninterrupted = new List<(int Pass, long Rows, double Objective)>();
        var first = NmfEngine.FitStreamed(new CountingSource(blocks, 40), Options,
            Streaming(keep: true) with { PassCompleted = (pass, rows, objective) => uninterrupted.Add((pass, rows, objective)) });
        var reported = new List<(int Pass, long Rows, double Objective)>();

        NmfEngine.FitStreamed(new CountingSource(blocks, 40), Options,
            Streaming(keep: true) with { PassCompleted = (pass, rows, objective) => reported.Add((pass, rows, objective)) });

        uninterrupted.Select(r => r.Pass).Should().Equal(1, 2, 3, 4, 5, 6, 7);
        reported.Should().HaveCount(2);
        reported[0].Should().Be(uninterrupted[0], "the counting pass, as in every fit");
        reported[1].Should().Be((7, 0L, first.LossHistory[^1]), "the recorded last pass, no row read for it, with its objective");
    }

    [Fact]
    public void KeepFinished_TheSameFitAgain_ReturnsTheResultBitForBit_AfterTheCountingPassOnly()
    {
        var blocks = Blocks();
        var reference = NmfEngine.FitStreamed(new CountingSource(blocks, 40), Options, new NmfStreamingOptions { MaxPasses = 50 });

        var first = NmfEngine.FitStreamed(new CountingSource(blocks, 40), Options, Streaming(keep: true));
        Directory.GetFiles(_directory).Select(Path.GetFileName).Should().Equal("mlnet-nmf-stream.finished");

        var log = new List<string>();
        var source = new CountingSource(blocks, 40);
        var again = NmfEngine.FitStreamed(source, Options with { Log = log.Add }, Streaming(keep: true));

        source.Passes.Should().Be(1, "the counting pass checks the data; no iteration runs again");
        log.Should().Contain(m => m.StartsWith($"NMF streamed: the fit in '{_directory}' had finished (pass 7, iteration 6)", StringComparison.Ordinal));
        foreach (var result in new[] { first, again })
        {
            result.H.Values.ToArray().Should().Equal(reference.H.Values.ToArray());
            result.LossHistory.Should().Equal(reference.LossHistory);
            result.RelativeError.Should().Be(reference.RelativeError);
            result.Divergence.Should().Be(reference.Divergence);
            result.Passes.Should().Be(reference.Passes);
            result.RowsRead.Should().Be(reference.RowsRead);
            result.Iterations.Should().Be(6);
        }
        again.Projector.Transform(blocks[0]).Values.ToArray().Should().Equal(reference.Projector.Transform(blocks[0]).Values.ToArray());
        File.Exists(Record).Should().BeTrue("KeepFinished keeps it until the caller deletes it");

        NmfEngine.DeleteFinishedRecord(_directory);
        Directory.GetFiles(_directory).Should().BeEmpty();
    }

    [Fact]
    public void WithoutKeepFinished_AFoundRecordIsReturnedThenDeleted_AndAFreshFitLeavesNoFile()
    {
        var blocks = Blocks();
        var first = NmfEngine.FitStreamed(new CountingSource(blocks, 40), Options, Streaming(keep: true));

        var source = new CountingSource(blocks, 40);
        var again = NmfEngine.FitStreamed(source, Options, Streaming(keep: false));
        source.Passes.Should().Be(1);
        again.H.Values.ToArray().Should().Equal(first.H.Values.ToArray());
        Directory.GetFiles(_directory).Should().BeEmpty("without KeepFinished a finishing fit deletes every file it made or used");

        NmfEngine.FitStreamed(new CountingSource(blocks, 40), Options, Streaming(keep: false));
        Directory.GetFiles(_directory).Should().BeEmpty();
    }

    [Fact]
    public void DamagedFinishedRecord_IsRefusedBeforeAnyRowIsRead_NamingIt()
    {
        var blocks = Blocks();
        NmfEngine.FitStreamed(new CountingSource(blocks, 40), Options, Streaming(keep: true));
        var bytes = File.ReadAllBytes(Record);
        bytes[^40] ^= 1;
        File.WriteAllBytes(Record, bytes);

        var source = new CountingSource(blocks, 40);
        var act = () => NmfEngine.FitStreamed(source, Options, Streaming(keep: true));

        act.Should().Throw<InvalidDataException>().WithMessage(
            $"The finished record '{Record}' is damaged: its SHA-256 does not match its contents, so it cannot be trusted. To start the fit over, delete the files mlnet-nmf-stream.* in '{_directory}'*");
        source.Passes.Should().Be(0);
    }

    [Fact]
    public void FaultBetweenTheRecordAndTheDeletionOfThePassCheckpoint_TheRecordIsReturned_AndTheLeftoversDeleted()
    {
        var blocks = Blocks();
        var finished = NmfEngine.FitStreamed(new CountingSource(blocks, 40), Options, Streaming(keep: true));
        var record = File.ReadAllBytes(Record);
        File.Delete(Record);
        var act = () => NmfEngine.FitStreamed(new CountingSource(blocks, 40) { FaultPass = 4 }, Options, Streaming(keep: true));
        act.Should().Throw<IOException>().WithMessage("The disk went away in pass 4.");
        File.WriteAllBytes(Record, record); // as if the fit had written its record and died before deleting its pass checkpoint
        Directory.GetFiles(_directory).Should().HaveCount(4, "the record, the manifest and W's two generations");

        var source = new CountingSource(blocks, 40);
        var again = NmfEngine.FitStreamed(source, Options, Streaming(keep: true));

        source.Passes.Should().Be(1);
        again.H.Values.ToArray().Should().Equal(finished.H.Values.ToArray());
        Directory.GetFiles(_directory).Select(Path.GetFileName).Should().Equal("mlnet-nmf-stream.finished");
    }
}
