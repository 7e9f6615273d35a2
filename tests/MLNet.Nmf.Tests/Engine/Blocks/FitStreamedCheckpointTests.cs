using System.Globalization;
using System.Security.Cryptography;
using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Blocks;
using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Tests.Engine.Blocks;

/// <summary>
/// <see cref="NmfStreamingOptions.CheckpointDirectory"/>: a streamed fit that fails in pass k (the source throws, the fit
/// is cancelled) and is called again on the same directory resumes after the last completed pass and ends with the bits
/// of an uninterrupted fit, reading pass 1 and only the passes still to do; other data, other options and a damaged
/// checkpoint are refused; a finished fit leaves no file behind.
/// </summary>
public sealed class FitStreamedCheckpointTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nmf-checkpoint-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Blocks handed out one pass at a time, counting passes; throws an IOException in a given pass after some blocks.</summary>
    private sealed class FaultySource(IReadOnlyList<INmfMatrix> blocks, int columns) : INmfRowBlockSource
    {
        public int Columns => columns;
        public int Passes { get; private set; }
        public int FaultPass { get; init; } = -1;
        public int FaultAfterBlocks { get; init; }

        public IEnumerable<INmfMatrix> ReadBlocks()
        {
            Passes++;
            for (int b = 0; b < blocks.Count; b++)
            {
                if (Passes == FaultPass && b == FaultAfterBlocks)
                    throw new IOException($"The disk went away in pass {Passes} at block {b}.");
                yield return blocks[b];
            }
        }
    }

    private static readonly NmfFitOptions Options = new() { Rank = 5, MaxIterations = 9, Tolerance = 0, Shuffle = true, Seed = 8, AlphaW = 0.0001, L1Ratio = 0.2 };

    private static INmfMatrix[] Blocks(float change = 0)
    {
        var (_, sparse) = TestData.Random(1000, 90, 0.06, seed: 13);
        var blocks = FitBlocksTests.Split(sparse, 300, 300, 300, 100);
        if (change == 0)
            return blocks;
        var dense = TestData.AsDense(blocks[2]).Values.ToArray();
        int at = Array.FindIndex(dense, v => v > 0);
        dense[at] += change;
        blocks[2] = new DenseMatrix(300, 90, dense).ToCsr();
        return blocks;
    }

    private NmfStreamingOptions Streaming(Action<int, long, double>? passCompleted = null) =>
        new() { MaxPasses = 50, CheckpointDirectory = _directory, PassCompleted = passCompleted };

    private string[] OurFiles() => Directory.GetFiles(_directory, "mlnet-nmf-stream*");

    [Theory]
    [InlineData(2, 1)] // nothing committed yet: pass 1 is read again anyway, and the half-written W must not matter
    [InlineData(6, 2)] // passes 2..5 committed; pass 6 fails after two of its four blocks
    public void FaultInPassK_ThenTheSameFit_ResumesAndEndsBitIdentical(int faultPass, int faultAfterBlocks)
    {
        var blocks = Blocks();
        var reference = NmfEngine.FitStreamed(new FaultySource(blocks, 90), Options, new NmfStreamingOptions { MaxPasses = 50 });
        reference.Passes.Should().Be(10);

        var faulty = new FaultySource(blocks, 90) { FaultPass = faultPass, FaultAfterBlocks = faultAfterBlocks };
        var act = () => NmfEngine.FitStreamed(faulty, Options, Streaming());
        act.Should().Throw<IOException>().WithMessage($"The disk went away in pass {faultPass} at block {faultAfterBlocks}.");
        File.Exists(Path.Combine(_directory, "mlnet-nmf-stream.manifest")).Should().Be(faultPass > 2, "a pass is committed once it is complete, from pass 2 on");

        var log = new List<string>();
        var reported = new List<(int Pass, long Rows)>();
        var again = new FaultySource(blocks, 90);
        var resumed = NmfEngine.FitStreamed(again, Options with { Log = log.Add, DegreeOfParallelism = 1 }, Streaming((pass, rows, _) => reported.Add((pass, rows))));

        resumed.H.Values.ToArray().Should().Equal(reference.H.Values.ToArray());
        resumed.LossHistory.Should().Equal(reference.LossHistory);
        resumed.Iterations.Should().Be(reference.Iterations);
        resumed.Converged.Should().Be(reference.Converged);
        resumed.Passes.Should().Be(reference.Passes);
        resumed.RowsRead.Should().Be(reference.RowsRead, "the fit's passes, counted as if uninterrupted");
        resumed.RelativeError.Should().Be(reference.RelativeError);
        resumed.Divergence.Should().Be(reference.Divergence);
        int completed = faultPass - 1;
        again.Passes.Should().Be(1 + reference.Passes - completed, "pass 1 again, then only the passes not yet completed");
        if (completed >= 2)
        {
            reported.Take(2).Should().Equal((1, 1000L), (completed, 0L));
            log.Should().Contain(string.Create(CultureInfo.InvariantCulture,
                $"NMF streamed: resumed from the checkpoint in '{_directory}' after pass {completed} (iteration {completed - 1}); objective {reference.LossHistory[completed - 1]:G8}."));
        }
        OurFiles().Should().BeEmpty("a finished fit deletes its checkpoint");
    }

    [Fact]
    public void DataOfExtremeMagnitude_FittedRescaled_ResumesBitIdentical()
    {
        // Values around 1e25 are fitted scaled by a power of two; the checkpoint holds the scaled fit's state.
        var blocks = Blocks().Select(b => (INmfMatrix)new DenseMatrix(b.Rows, 90, TestData.AsDense(b).Values.ToArray().Select(v => v * 1e25f).ToArray()).ToCsr()).ToArray();
        var log = new List<string>();
        var reference = NmfEngine.FitStreamed(new FaultySource(blocks, 90), Options with { Log = log.Add }, new NmfStreamingOptions { MaxPasses = 50 });
        log.Should().Contain(m => m.Contains("fitting X / 2^", StringComparison.Ordinal), "the data is rescaled");
        var act = () => NmfEngine.FitStreamed(new FaultySource(blocks, 90) { FaultPass = 5, FaultAfterBlocks = 3 }, Options, Streaming());
        act.Should().Throw<IOException>();

        var reported = new List<double>();
        var resumed = NmfEngine.FitStreamed(new FaultySource(blocks, 90), Options, Streaming((_, _, objective) => reported.Add(objective)));
        resumed.H.Values.ToArray().Should().Equal(reference.H.Values.ToArray());
        resumed.LossHistory.Should().Equal(reference.LossHistory);
        resumed.Divergence.Should().Be(reference.Divergence);
        reported[1].Should().Be(reference.LossHistory[3], "the restored pass 4 reports the objective of the original data");
    }

    [Fact]
    public void ResumedFit_FailingAgain_ResumesAgain_BitIdentical()
    {
        var blocks = Blocks();
        var reference = NmfEngine.FitStreamed(new FaultySource(blocks, 90), Options, new NmfStreamingOptions { MaxPasses = 50 });
        var first = () => NmfEngine.FitStreamed(new FaultySource(blocks, 90) { FaultPass = 4, FaultAfterBlocks = 3 }, Options, Streaming());
        first.Should().Throw<IOException>();
        // Resumed after pass 3, its own pass 3 is the fit's pass 5: passes 4 and 5 are committed, the fault is in pass 6.
        var second = () => NmfEngine.FitStreamed(new FaultySource(blocks, 90) { FaultPass = 4, FaultAfterBlocks = 1 }, Options, Streaming());
        second.Should().Throw<IOException>();

        var again = new FaultySource(blocks, 90);
        var resumed = NmfEngine.FitStreamed(again, Options, Streaming());
        resumed.H.Values.ToArray().Should().Equal(reference.H.Values.ToArray());
        resumed.LossHistory.Should().Equal(reference.LossHistory);
        again.Passes.Should().Be(1 + 10 - 5);
    }

    [Fact]
    public void CancelledFit_ThenTheSameFit_ResumesBitIdentical()
    {
        var blocks = Blocks();
        var reference = NmfEngine.FitStreamed(new FaultySource(blocks, 90), Options, new NmfStreamingOptions { MaxPasses = 50 });
        using var cancel = new CancellationTokenSource();
        var act = () => NmfEngine.FitStreamed(new FaultySource(blocks, 90), Options with { CancellationToken = cancel.Token },
            Streaming((pass, _, _) => { if (pass == 4) cancel.Cancel(); }));
        act.Should().Throw<OperationCanceledException>();

        var again = new FaultySource(blocks, 90);
        var resumed = NmfEngine.FitStreamed(again, Options, Streaming());
        resumed.H.Values.ToArray().Should().Equal(reference.H.Values.ToArray());
        resumed.LossHistory.Should().Equal(reference.LossHistory);
        again.Passes.Should().Be(1 + 10 - 4, "passes 2 to 4 were committed before the cancellation took effect");
    }

    [Fact]
    public void Checkpoint_OfOtherDataOrOtherOptions_IsRefusedNamingWhatDiffers_AndKept()
    {
        var act = () => NmfEngine.FitStreamed(new FaultySource(Blocks(), 90) { FaultPass = 4 }, Options, Streaming());
        act.Should().Throw<IOException>();
        string manifest = Path.Combine(_directory, "mlnet-nmf-stream.manifest");
        var bytes = File.ReadAllBytes(manifest);

        var otherData = () => NmfEngine.FitStreamed(new FaultySource(Blocks(change: 0.5f), 90), Options, Streaming());
        otherData.Should().Throw<InvalidOperationException>()
            .WithMessage($"The checkpoint in '{_directory}' was made by another fit, so this fit cannot resume from it: the data differs (sum is * there, * here; values (SHA-256 of the blocks) is * there, * here). A checkpoint resumes only the same fit (same data, same options). To start the fit over, delete the files mlnet-nmf-stream.* in '{_directory}' or point CheckpointDirectory at an empty directory.");

        var otherSeed = () => NmfEngine.FitStreamed(new FaultySource(Blocks(), 90), Options with { Seed = 9 }, Streaming());
        otherSeed.Should().Throw<InvalidOperationException>()
            .WithMessage("*this fit cannot resume from it: the options differ (Seed is 8 there, 9 here). A checkpoint resumes only*");

        File.ReadAllBytes(manifest).Should().Equal(bytes, "a refused fit leaves the checkpoint as it was");
        var resumed = NmfEngine.FitStreamed(new FaultySource(Blocks(), 90), Options, Streaming());
        resumed.Passes.Should().Be(10, "the original fit still resumes");
    }

    [Fact]
    public void Checkpoint_WithOtherOptions_OrDamaged_IsRefusedBeforeTheCountingPass()
    {
        // Once refused only after pass 1 had read all the data again, which over data larger than memory takes as long as
        // any pass: the options and the manifest's integrity are known before a row is read.
        var act = () => NmfEngine.FitStreamed(new FaultySource(Blocks(), 90) { FaultPass = 4 }, Options, Streaming());
        act.Should().Throw<IOException>();

        var source = new FaultySource(Blocks(), 90);
        var otherRank = () => NmfEngine.FitStreamed(source, Options with { Rank = 6, MaxIterations = 12 }, Streaming());
        otherRank.Should().Throw<InvalidOperationException>()
            .WithMessage($"The checkpoint in '{_directory}' was made by another fit, so this fit cannot resume from it: the options differ (Rank is 5 there, 6 here; MaxIterations (NmfOptions.MaximumIterations) is 9 there, 12 here). A checkpoint resumes only*");
        source.Passes.Should().Be(0, "the options are compared before any row is read");

        string manifest = Path.Combine(_directory, "mlnet-nmf-stream.manifest");
        var good = File.ReadAllBytes(manifest);
        var flipped = (byte[])good.Clone();
        flipped[^40] ^= 1;
        File.WriteAllBytes(manifest, flipped);
        var damaged = () => NmfEngine.FitStreamed(source, Options, Streaming());
        damaged.Should().Throw<InvalidDataException>().WithMessage($"The checkpoint manifest '{manifest}' is damaged*");
        source.Passes.Should().Be(0, "a damaged manifest is refused before any row is read");

        File.WriteAllBytes(manifest, good);
        NmfEngine.FitStreamed(source, Options, Streaming()).Passes.Should().Be(10, "the checkpoint still resumes");
    }

    [Fact]
    public void Manifest_ClaimingPassesBeyondMaxPasses_IsRefusedAsInconsistent_NotReturnedAsAFit()
    {
        // A manifest with a valid SHA-256 that records pass 50 of MaxPasses 50 (49 iterations, 50 objectives): it was once
        // "resumed" into no pass at all, returning the stored H with Iterations 49 and RelativeError 0 (never computed).
        var act = () => NmfEngine.FitStreamed(new FaultySource(Blocks(), 90) { FaultPass = 4 }, Options with { MaxIterations = 60 }, Streaming());
        act.Should().Throw<IOException>();
        string manifest = Path.Combine(_directory, "mlnet-nmf-stream.manifest");
        var good = File.ReadAllBytes(manifest);
        using var reader = new BinaryReader(new MemoryStream(good));
        reader.ReadBytes(20); // marker and version
        for (int list = 0; list < 2; list++)
            for (int count = reader.ReadInt32(), i = 0; i < 2 * count; i++)
                reader.ReadString();
        int passesAt = (int)reader.BaseStream.Position;
        reader.ReadInt32().Should().Be(3, "passes 2 and 3 were committed");
        reader.ReadInt64();
        reader.ReadInt32();
        reader.ReadString();
        int iterationsAt = (int)reader.BaseStream.Position;
        reader.ReadInt32().Should().Be(2);
        reader.ReadDouble();
        reader.ReadBoolean();
        int historyAt = (int)reader.BaseStream.Position;
        var crafted = new List<byte>(good[..^32]);
        crafted.InsertRange(historyAt + 12 + 3 * 8, new byte[47 * 8]); // 47 more objectives (zeros) after the 3 recorded
        var bytes = crafted.ToArray();
        BitConverter.GetBytes(50).CopyTo(bytes, passesAt);
        BitConverter.GetBytes(49).CopyTo(bytes, iterationsAt);
        BitConverter.GetBytes(50).CopyTo(bytes, historyAt);
        File.WriteAllBytes(manifest, [.. bytes, .. SHA256.HashData(bytes)]);

        var resume = () => NmfEngine.FitStreamed(new FaultySource(Blocks(), 90), Options with { MaxIterations = 60 }, Streaming());

        resume.Should().Throw<InvalidDataException>().WithMessage($"The checkpoint manifest '{manifest}' is inconsistent (generation, passes, iterations or sizes). To start the fit over, delete*");
    }

    [Fact]
    public void DamagedManifest_NewerManifest_OrDamagedFeaturesFile_IsRefused()
    {
        var act = () => NmfEngine.FitStreamed(new FaultySource(Blocks(), 90) { FaultPass = 4 }, Options, Streaming());
        act.Should().Throw<IOException>();
        string manifest = Path.Combine(_directory, "mlnet-nmf-stream.manifest");
        var good = File.ReadAllBytes(manifest);

        var flipped = (byte[])good.Clone();
        flipped[flipped.Length / 2] ^= 0x10; // a bit of Hᵀ: every value stays a valid float
        File.WriteAllBytes(manifest, flipped);
        var resume = () => NmfEngine.FitStreamed(new FaultySource(Blocks(), 90), Options, Streaming());
        resume.Should().Throw<InvalidDataException>()
            .WithMessage($"The checkpoint manifest '{manifest}' is damaged: its SHA-256 does not match its contents, so it cannot be trusted to resume the fit. To start the fit over, delete*");

        var newer = (byte[])good.Clone();
        BitConverter.GetBytes(2).CopyTo(newer, 16); // the version after the 16-byte marker, with a valid SHA-256
        SHA256.HashData(newer.AsSpan(0, newer.Length - 32)).CopyTo(newer, newer.Length - 32);
        File.WriteAllBytes(manifest, newer);
        resume.Should().Throw<InvalidDataException>()
            .WithMessage($"The checkpoint manifest '{manifest}' has format version 2; this version of MLNet.Nmf reads version 1. To start the fit over, delete*");

        File.WriteAllBytes(manifest, good);
        var features = OurFiles().Where(f => f.EndsWith(".bin", StringComparison.Ordinal)).ToArray();
        features.Should().HaveCount(2);
        foreach (var file in features)
        {
            var w = File.ReadAllBytes(file);
            w[^1] ^= 1;
            File.WriteAllBytes(file, w);
        }
        resume.Should().Throw<InvalidDataException>().WithMessage("The checkpoint's features file '*' is damaged: its SHA-256 differs from the one its manifest recorded.*");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CurrentFeaturesFile_DeletedOrTruncated_IsRefusedNamingIt_AndLeftAsItWas(bool truncated)
    {
        // Once: a deleted file was created again (all zeros) and a truncated one extended with zeros, before both were
        // refused as "damaged: its SHA-256 differs".
        var act = () => NmfEngine.FitStreamed(new FaultySource(Blocks(), 90) { FaultPass = 4 }, Options, Streaming());
        act.Should().Throw<IOException>();
        // Passes 2 and 3 were committed: pass 2 wrote generation 1, pass 3 generation 0, which is current.
        string current = CheckpointFeatureFiles.PathOf(_directory, "mlnet-nmf-stream", 0);
        if (truncated)
            File.WriteAllBytes(current, File.ReadAllBytes(current)[..1000]);
        else
            File.Delete(current);

        var resume = () => NmfEngine.FitStreamed(new FaultySource(Blocks(), 90), Options, Streaming());

        string startOver = $"To start the fit over, delete the files mlnet-nmf-stream.* in '{_directory}' or point CheckpointDirectory at an empty directory.";
        resume.Should().Throw<InvalidDataException>().WithMessage(truncated
            ? $"The checkpoint's features file '{current}' is damaged: it has 1000 bytes where W takes 20000 (1000 rows x rank 5). {startOver}"
            : $"The checkpoint's features file '{current}' is missing: the manifest's pass 3 needs it to resume. {startOver}");
        if (truncated)
            new FileInfo(current).Length.Should().Be(1000, "a refused resume leaves the checkpoint as it was");
        else
            File.Exists(current).Should().BeFalse("a refused resume creates nothing in place of the missing file");
    }

    [Fact]
    public void NonCurrentFeaturesFile_Deleted_TheFitResumes_BitIdentical()
    {
        var reference = NmfEngine.FitStreamed(new FaultySource(Blocks(), 90), Options, new NmfStreamingOptions { MaxPasses = 50 });
        var act = () => NmfEngine.FitStreamed(new FaultySource(Blocks(), 90) { FaultPass = 4 }, Options, Streaming());
        act.Should().Throw<IOException>();
        File.Delete(CheckpointFeatureFiles.PathOf(_directory, "mlnet-nmf-stream", 1)); // the generation the failed pass 4 was writing

        var again = new FaultySource(Blocks(), 90);
        var resumed = NmfEngine.FitStreamed(again, Options, Streaming());

        resumed.H.Values.ToArray().Should().Equal(reference.H.Values.ToArray());
        again.Passes.Should().Be(1 + 10 - 3, "resumed after pass 3");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CheckpointDirectory_ThatIsAFile_OrUnderAFile_IsRefusedNamingIt_BeforeReading(bool under)
    {
        // Once: IOException "The file '...' already exists." and DirectoryNotFoundException "Could not find a part of the path".
        string file = Path.Combine(_directory, "a-file");
        File.WriteAllText(file, "not a directory");
        string directory = under ? Path.Combine(file, "checkpoint") : file;
        var source = new FaultySource(Blocks(), 90);

        var act = () => NmfEngine.FitStreamed(source, Options, new NmfStreamingOptions { CheckpointDirectory = directory });

        act.Should().Throw<ArgumentException>().WithMessage(under
            ? $"CheckpointDirectory '{directory}' cannot be created: '{file}' is a file. Give a directory (it is created if missing), or null to keep no checkpoint.*"
            : $"CheckpointDirectory '{directory}' is a file, not a directory. Give a directory (it is created if missing), or null to keep no checkpoint.*")
            .Which.ParamName.Should().Be("CheckpointDirectory");
        source.Passes.Should().Be(0);
        File.ReadAllText(file).Should().Be("not a directory");
    }

    [Fact]
    public void CheckpointDirectory_WhereTheFitCannotWrite_IsRefusedNamingIt_BeforeReading()
    {
        // A read-only directory refuses the lock file with UnauthorizedAccessException "Access to the path '.../
        // mlnet-nmf-stream.lock' is denied.", naming neither CheckpointDirectory nor what to do. The tests may run as root,
        // who writes into read-only directories; a directory in the lock file's place gives the same exception.
        Directory.CreateDirectory(Path.Combine(_directory, "mlnet-nmf-stream.lock"));
        var source = new FaultySource(Blocks(), 90);

        var act = () => NmfEngine.FitStreamed(source, Options, Streaming());

        act.Should().Throw<UnauthorizedAccessException>().WithMessage(
            $"CheckpointDirectory '{_directory}' cannot be written by this process (Access to the path '*mlnet-nmf-stream.lock' is denied.*). Give a directory this process can create and write, or null to keep no checkpoint.");
        source.Passes.Should().Be(0);
    }

    [Fact]
    public void WithoutADirectory_NothingIsKept_AndAFinishedFitLeavesTheDirectoryEmpty()
    {
        string features = Path.Combine(_directory, "features");
        Directory.CreateDirectory(features);
        var act = () => NmfEngine.FitStreamed(new FaultySource(Blocks(), 90) { FaultPass = 4 }, Options, new NmfStreamingOptions { MaxPasses = 50, FeatureDirectory = features });
        act.Should().Throw<IOException>();
        Directory.GetFileSystemEntries(features).Should().BeEmpty("without a checkpoint directory W's temporary file goes with the failed fit");
        var again = new FaultySource(Blocks(), 90);
        NmfEngine.FitStreamed(again, Options, new NmfStreamingOptions { MaxPasses = 50, FeatureDirectory = features }).Passes.Should().Be(10);
        again.Passes.Should().Be(10, "nothing to resume from: the fit starts over");

        string created = Path.Combine(_directory, "made-by-the-fit");
        var result = NmfEngine.FitStreamed(new FaultySource(Blocks(), 90), Options, new NmfStreamingOptions { MaxPasses = 50, CheckpointDirectory = created });
        result.Passes.Should().Be(10);
        Directory.Exists(created).Should().BeTrue("the directory is created if missing");
        Directory.GetFileSystemEntries(created).Should().BeEmpty("a finished fit deletes the files it made");
    }
}
