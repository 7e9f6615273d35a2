using MLNet.Nmf.Engine.Parallelism;

namespace MLNet.Nmf.Tests.Engine.Parallelism;

/// <summary>
/// <see cref="WorkerPool"/> and <see cref="BlockRunner"/>: every block runs once, errors reach the caller, a call from
/// inside a block or from several threads at once finishes (the busy pool hands over to Parallel.For), and a run
/// allocates nothing on the calling thread.
/// </summary>
/// <remarks>
/// Other test classes fit models at the same time and may hold the pool, so the tests that need the pool itself retry
/// <see cref="WorkerPool.TryRun"/> until it is free.
/// </remarks>
public class WorkerPoolTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>Runs on the pool itself, waiting for it to be free.</summary>
    private static void RunOnPool(int blockCount, int degree, Action<int> body)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!WorkerPool.TryRun(blockCount, degree, body))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("The worker pool stayed busy for a minute.");
            Thread.Sleep(1);
        }
    }

    [Theory]
    [InlineData(2, 2)]
    [InlineData(7, 2)]
    [InlineData(1000, 2)]
    [InlineData(1000, 16)]
    public void EveryBlockRunsExactlyOnce(int blockCount, int degree)
    {
        Environment.ProcessorCount.Should().BeGreaterThan(1, "the pool has no worker on one processor; these tests need two");
        var runs = new int[blockCount];
        var threads = new HashSet<int>();
        RunOnPool(blockCount, degree, block =>
        {
            Interlocked.Increment(ref runs[block]);
            lock (threads)
                threads.Add(Environment.CurrentManagedThreadId);
            Thread.SpinWait(2000);
        });
        runs.Should().OnlyContain(r => r == 1);
        if (blockCount >= 1000)
            threads.Count.Should().BeGreaterThan(1, "a worker thread takes blocks besides the caller");
    }

    [Fact]
    public void AFailingBlock_ReachesTheCaller_AsParallelForReportsIt_AndThePoolStaysUsable()
    {
        Action act = () => RunOnPool(100, 2, block =>
        {
            if (block == 37)
                throw new InvalidOperationException("block 37 failed");
        });
        act.Should().Throw<AggregateException>().WithInnerException<InvalidOperationException>().WithMessage("block 37 failed");

        var runs = new int[50];
        RunOnPool(50, 2, block => Interlocked.Increment(ref runs[block]));
        runs.Should().OnlyContain(r => r == 1, "the pool is free and whole after a failed run");
    }

    [Fact]
    public async Task ACallFromInsideABlock_AndCallsFromSeveralThreads_AllFinish()
    {
        var inner = new int[8 * 16];
        var outer = Task.Run(() => BlockRunner.For(8, 2, block =>
            BlockRunner.For(16, 2, i => Interlocked.Increment(ref inner[block * 16 + i]))));
        var concurrent = Enumerable.Range(0, 4).Select(c => Task.Run(() =>
        {
            var runs = new int[200];
            for (int repeat = 0; repeat < 20; repeat++)
                BlockRunner.For(200, 2, block => Interlocked.Increment(ref runs[block]));
            return runs;
        })).ToArray();

        // A busy pool hands the call to Parallel.For instead of waiting on itself: all of them finish.
        var all = Task.WhenAll(concurrent);
        await Task.WhenAll(outer, all).WaitAsync(Patience);
        inner.Should().OnlyContain(r => r == 1);
        foreach (var runs in await all)
            runs.Should().OnlyContain(r => r == 20);
    }

    [Fact]
    public void ARun_AllocatesNothingOnTheCallingThread()
    {
        int sink = 0;
        Action<int> body = block => Interlocked.Add(ref sink, block);
        RunOnPool(64, 2, body); // the threads are made on first use
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int repeat = 0; repeat < 100; repeat++)
            RunOnPool(64, 2, body);
        long perRun = (GC.GetAllocatedBytesForCurrentThread() - before) / 100;
        perRun.Should().Be(0, "Parallel.For allocated about 1.6 KB a call; the pool reuses its one run state");
        sink.Should().Be(101 * 64 * 63 / 2);
    }
}
