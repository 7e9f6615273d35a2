using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Blocks;
using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Tests.Engine.Blocks;

/// <summary>
/// A streamed fit holds its <see cref="NmfStreamingOptions.CheckpointDirectory"/> for its duration: a second fit on the
/// same directory at the same time is refused with an error naming the directory (it used to overwrite the first fit's
/// W files and manifest), the first fit ends as it would alone, and the directory is free again once a fit ends,
/// whether it finished or threw. A committed pass's rename is flushed to disk with the directory.
/// </summary>
public sealed class CheckpointDirectoryLockTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nmf-checkpoint-lock-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Blocks handed out one pass at a time; in pass <see cref="HoldPass"/> it signals <see cref="Holding"/> and waits for <see cref="Release"/>.</summary>
    private sealed class HoldingSource(IReadOnlyList<INmfMatrix> blocks, int columns) : INmfRowBlockSource
    {
        public int Columns => columns;
        public int HoldPass { get; init; } = -1;
        public int FaultPass { get; init; } = -1;
        public ManualResetEventSlim Holding { get; } = new();
        public ManualResetEventSlim Release { get; } = new();
        private int _passes;

        public IEnumerable<INmfMatrix> ReadBlocks()
        {
            _passes++;
            for (int b = 0; b < blocks.Count; b++)
            {
                if (_passes == HoldPass && b == 1)
                {
                    Holding.Set();
                    Release.Wait(TimeSpan.FromSeconds(30)).Should().BeTrue("the test releases the held fit");
                }
                if (_passes == FaultPass && b == 1)
                    throw new IOException($"The disk went away in pass {_passes}.");
                yield return blocks[b];
            }
        }
    }

    private static readonly NmfFitOptions Options = new() { Rank = 4, MaxIterations = 6, Tolerance = 0, Seed = 3, DegreeOfParallelism = 1 };

    private static INmfMatrix[] Blocks()
    {
        var (_, sparse) = TestData.Random(300, 40, 0.1, seed: 21);
        return FitBlocksTests.Split(sparse, 100, 100, 100);
    }

    private NmfStreamingOptions Streaming => new() { MaxPasses = 20, CheckpointDirectory = _directory };

    [Fact]
    public async Task SecondFitOnTheSameDirectory_IsRefusedNamingIt_AndTheFirstEndsAsAlone()
    {
        var blocks = Blocks();
        var reference = NmfEngine.FitStreamed(new HoldingSource(blocks, 40), Options, new NmfStreamingOptions { MaxPasses = 20 });
        var held = new HoldingSource(blocks, 40) { HoldPass = 3 };
        var first = Task.Run(() => NmfEngine.FitStreamed(held, Options, Streaming));
        held.Holding.Wait(TimeSpan.FromSeconds(30)).Should().BeTrue("the first fit reaches pass 3");

        var second = () => NmfEngine.FitStreamed(new HoldingSource(blocks, 40), Options, Streaming);

        second.Should().Throw<InvalidOperationException>().WithMessage(
            $"The checkpoint directory '{_directory}' is in use by another streamed fit (it holds the lock file 'mlnet-nmf-stream.lock'): two fits on one directory would overwrite each other's checkpoint. Give each fit its own CheckpointDirectory, or wait for the other fit to end (a fit that ends or fails releases the directory).");
        held.Release.Set();
        var result = await first;
        result.H.Values.ToArray().Should().Equal(reference.H.Values.ToArray(), "the refused fit touched nothing of the first's");
        result.LossHistory.Should().Equal(reference.LossHistory);
        Directory.GetFiles(_directory).Should().BeEmpty("the finished fit deleted its checkpoint and released the lock");

        var later = NmfEngine.FitStreamed(new HoldingSource(blocks, 40), Options, Streaming);
        later.H.Values.ToArray().Should().Equal(reference.H.Values.ToArray(), "a later fit on the directory runs");
    }

    [Fact]
    public void FitThatThrew_ReleasesTheDirectory_AndTheNextFitResumesFromIt()
    {
        var blocks = Blocks();
        var reference = NmfEngine.FitStreamed(new HoldingSource(blocks, 40), Options, new NmfStreamingOptions { MaxPasses = 20 });
        var failing = () => NmfEngine.FitStreamed(new HoldingSource(blocks, 40) { FaultPass = 4 }, Options, Streaming);
        failing.Should().Throw<IOException>().WithMessage("The disk went away in pass 4.");
        Directory.GetFiles(_directory, "*.lock").Should().BeEmpty("the failed fit released the directory");

        var resumed = NmfEngine.FitStreamed(new HoldingSource(blocks, 40), Options, Streaming);

        resumed.H.Values.ToArray().Should().Equal(reference.H.Values.ToArray());
        Directory.GetFiles(_directory).Should().BeEmpty();
    }

    [Fact]
    public void ManyFitsTakingTheDirectoryAtOnce_NeverHoldItTogether()
    {
        // Fits starting at the same instant as one ends: one may open the lock file just as its holder deletes it while a
        // third creates a new one. The hold rests on the one exclusive open (see CheckpointDirectoryLock's remarks), with no
        // check of the name around it. Six threads take and release the directory as fast as they can; at most one may
        // hold it at any time, and every refusal is the in-use error.
        const int Threads = 6, Rounds = 1500;
        int holders = 0, overlaps = 0, taken = 0, refused = 0;
        using var start = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(_ => new Thread(() =>
        {
            start.SignalAndWait();
            for (int round = 0; round < Rounds; round++)
            {
                CheckpointDirectoryLock held;
                try
                {
                    held = CheckpointDirectoryLock.Take(_directory);
                }
                catch (InvalidOperationException e) when (e.Message.StartsWith($"The checkpoint directory '{_directory}' is in use by another streamed fit", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref refused);
                    continue;
                }
                Interlocked.Increment(ref taken);
                if (Interlocked.Increment(ref holders) != 1)
                    Interlocked.Increment(ref overlaps);
                Thread.SpinWait(500);
                Interlocked.Decrement(ref holders);
                held.Dispose();
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        overlaps.Should().Be(0, $"the directory was taken {taken} times and refused {refused} times, never held by two at once");
        taken.Should().BeGreaterThan(Rounds / 2, "each round's holder releases at once, so most attempts succeed");
        refused.Should().BeGreaterThan(0, "the threads met");
        Directory.GetFiles(_directory).Should().BeEmpty("every holder deleted the lock file as it released the directory");
    }

    [Fact]
    public async Task DirectoryHeldInThisProcess_IsRefusedToAFitInAnotherProcess_AndFreeOnceReleased()
    {
        // The hold is the operating system's (flock on Linux and macOS, the sharing mode on Windows), so it reaches across
        // processes: a streamed ML.NET fit in the model runner on a directory this process holds is refused naming it.
        async Task<(int ExitCode, string Output)> FitInAnotherProcess()
        {
            var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(global::MLNet.Nmf.Tests.MLNet.SaveLoadTests.Runner());
            start.ArgumentList.Add("stream-checkpoint");
            start.ArgumentList.Add(_directory);
            using var process = System.Diagnostics.Process.Start(start)!;
            var error = process.StandardError.ReadToEndAsync();
            string output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, output + await error);
        }

        using (CheckpointDirectoryLock.Take(_directory))
        {
            var (code, output) = await FitInAnotherProcess();
            code.Should().Be(3, output);
            output.Trim().Should().Be(
                $"The checkpoint directory '{_directory}' is in use by another streamed fit (it holds the lock file 'mlnet-nmf-stream.lock'): two fits on one directory would overwrite each other's checkpoint. Give each fit its own CheckpointDirectory, or wait for the other fit to end (a fit that ends or fails releases the directory).");
        }

        var (exitCode, fitted) = await FitInAnotherProcess();
        exitCode.Should().Be(0, fitted);
        fitted.Trim().Should().Be("fitted: 3 iterations");
        Directory.GetFiles(_directory).Should().BeEmpty();
    }

    [Fact]
    public void DirectoryFlush_SyncsTheDirectory_WhereTheSystemCan_AndNamesAMissingOne()
    {
        DirectorySync.Flush(_directory).Should().Be(!OperatingSystem.IsWindows(), "Linux and macOS fsync a directory; Windows has no such call");
        if (OperatingSystem.IsWindows())
            return;
        string missing = Path.Combine(_directory, "missing");
        var act = () => DirectorySync.Flush(missing);
        act.Should().Throw<IOException>().WithMessage($"Cannot open the checkpoint directory '{missing}' to flush it to disk (errno 2).");
    }
}
