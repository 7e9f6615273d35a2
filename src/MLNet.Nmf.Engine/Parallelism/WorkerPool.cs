namespace MLNet.Nmf.Engine.Parallelism;

/// <summary>
/// Long-lived worker threads for <see cref="BlockRunner"/>: a run hands its blocks out through one shared counter and
/// allocates nothing, where <c>Parallel.For</c> allocates about 1.6 KB a call (its options, loop state, tasks and
/// replicas). A fit makes some ten parallel calls an iteration, so that was 17.5 KB of garbage an iteration, which
/// made every further fit in a process grow the GC's youngest generation.
/// </summary>
/// <remarks>
/// One run at a time: a call made while the pool is busy (from another fit on another thread, or from inside a
/// block) gets <c>false</c> and its caller falls back to <c>Parallel.For</c>, so nothing ever waits on itself. The
/// threads are background threads: they never keep a process alive. Exceptions thrown by a block are collected and
/// rethrown on the calling thread as an <see cref="AggregateException"/>, as <c>Parallel.For</c> does, after every
/// thread has left the run.
/// </remarks>
internal static class WorkerPool
{
    private static readonly object s_startLock = new();
    private static readonly object s_errorsLock = new();
    private static SemaphoreSlim? s_wake;
    private static int s_threads;

    // 1 while a run owns the pool.
    private static int s_busy;

    // The current run: its body, block count, next block to take, helpers still inside, and the blocks' exceptions.
    private static Action<int>? s_body;
    private static int s_count;
    private static int s_next;
    private static int s_inside;
    private static List<Exception>? s_errors;
    private static readonly ManualResetEventSlim s_done = new(false);

    /// <summary>Worker threads besides the caller at most: one fewer than the processors (made as runs first need them).</summary>
    public static int Helpers => Math.Max(0, Environment.ProcessorCount - 1);

    /// <summary>
    /// Runs <paramref name="body"/> for every block in <c>[0, blockCount)</c> on the calling thread and up to
    /// <paramref name="degree"/> − 1 workers. Returns false (and runs nothing) when the pool is in use.
    /// </summary>
    public static bool TryRun(int blockCount, int degree, Action<int> body)
    {
        int helpers = Math.Min(Math.Min(degree, blockCount) - 1, Helpers);
        if (helpers <= 0 || Interlocked.CompareExchange(ref s_busy, 1, 0) != 0)
            return false;
        try
        {
            var wake = Start(helpers);
            s_body = body;
            s_count = blockCount;
            s_next = 0;
            s_errors = null;
            s_done.Reset();
            Volatile.Write(ref s_inside, helpers);
            wake.Release(helpers);
            Work();
            s_done.Wait();
            var errors = s_errors;
            s_body = null;
            s_errors = null;
            if (errors is not null)
                throw new AggregateException(errors);
            return true;
        }
        finally
        {
            Volatile.Write(ref s_busy, 0);
        }
    }

    /// <summary>Takes blocks until none is left.</summary>
    private static void Work()
    {
        var body = s_body!;
        int count = s_count;
        int block;
        while ((block = Interlocked.Increment(ref s_next) - 1) < count)
        {
            try
            {
                body(block);
            }
            catch (Exception e)
            {
                lock (s_errorsLock)
                    (s_errors ??= []).Add(e);
                // No further blocks once one failed, as Parallel.For stops taking iterations.
                Volatile.Write(ref s_next, count);
            }
        }
    }

    /// <summary>The wake-up semaphore, with at least <paramref name="helpers"/> threads waiting on it (made as needed).</summary>
    private static SemaphoreSlim Start(int helpers)
    {
        if (Volatile.Read(ref s_threads) >= helpers)
            return s_wake!;
        lock (s_startLock)
        {
            var wake = s_wake ??= new SemaphoreSlim(0);
            for (int t = s_threads; t < helpers; t++)
                new Thread(() => Loop(wake)) { IsBackground = true, Name = $"MLNet.Nmf worker {t + 1}" }.Start();
            Volatile.Write(ref s_threads, Math.Max(s_threads, helpers));
            return wake;
        }
    }

    private static void Loop(SemaphoreSlim wake)
    {
        while (true)
        {
            wake.Wait();
            Work();
            if (Interlocked.Decrement(ref s_inside) == 0)
                s_done.Set();
        }
    }
}
