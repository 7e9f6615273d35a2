using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MLNet.Nmf.Benchmarks;

/// <summary>
/// <c>machine</c>: this machine's peaks for the floor analysis of docs/benchmarks.md — float32 FMA throughput with
/// Vector256 and Vector512 (12 independent accumulators per thread, all threads) and copy bandwidth (two threads copying
/// 256 MB each way, read + write bytes counted). Best of 5 runs each.
/// </summary>
internal static class MachinePeaks
{
    public static void Run(int threads)
    {
        threads = threads <= 0 ? Environment.ProcessorCount : threads;
        var record = new Dictionary<string, object?>
        {
            ["command"] = "machine",
            ["threads"] = threads,
            ["vector512_accelerated"] = Vector512.IsHardwareAccelerated,
            ["fma256_gflops"] = Best(() => Fma256(threads)),
            ["fma512_gflops"] = Vector512.IsHardwareAccelerated ? Best(() => Fma512(threads)) : null,
            ["copy_gb_per_second"] = Best(() => Copy(threads)),
        };
        Measure.Print(record);
    }

    private static double Best(Func<double> run)
    {
        double best = 0;
        for (int i = 0; i < 5; i++)
            best = Math.Max(best, run());
        return best;
    }

    private const long Steps = 20_000_000;

    private static double Fma256(int threads)
    {
        var clock = Stopwatch.StartNew();
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ => Chains256());
        return threads * Steps * 12.0 * 8 * 2 / clock.Elapsed.TotalSeconds / 1e9;
    }

    private static double Fma512(int threads)
    {
        var clock = Stopwatch.StartNew();
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ => Chains512());
        return threads * Steps * 12.0 * 16 * 2 / clock.Elapsed.TotalSeconds / 1e9;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static float Chains256()
    {
        var m = Vector256.Create(0.999999f);
        var c = Vector256.Create(1e-7f);
        Vector256<float> a0 = Vector256.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < Steps; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, m, c); a1 = Vector256.FusedMultiplyAdd(a1, m, c); a2 = Vector256.FusedMultiplyAdd(a2, m, c);
            a3 = Vector256.FusedMultiplyAdd(a3, m, c); a4 = Vector256.FusedMultiplyAdd(a4, m, c); a5 = Vector256.FusedMultiplyAdd(a5, m, c);
            a6 = Vector256.FusedMultiplyAdd(a6, m, c); a7 = Vector256.FusedMultiplyAdd(a7, m, c); a8 = Vector256.FusedMultiplyAdd(a8, m, c);
            a9 = Vector256.FusedMultiplyAdd(a9, m, c); a10 = Vector256.FusedMultiplyAdd(a10, m, c); a11 = Vector256.FusedMultiplyAdd(a11, m, c);
        }
        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static float Chains512()
    {
        var m = Vector512.Create(0.999999f);
        var c = Vector512.Create(1e-7f);
        Vector512<float> a0 = Vector512.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < Steps; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, c); a1 = Vector512.FusedMultiplyAdd(a1, m, c); a2 = Vector512.FusedMultiplyAdd(a2, m, c);
            a3 = Vector512.FusedMultiplyAdd(a3, m, c); a4 = Vector512.FusedMultiplyAdd(a4, m, c); a5 = Vector512.FusedMultiplyAdd(a5, m, c);
            a6 = Vector512.FusedMultiplyAdd(a6, m, c); a7 = Vector512.FusedMultiplyAdd(a7, m, c); a8 = Vector512.FusedMultiplyAdd(a8, m, c);
            a9 = Vector512.FusedMultiplyAdd(a9, m, c); a10 = Vector512.FusedMultiplyAdd(a10, m, c); a11 = Vector512.FusedMultiplyAdd(a11, m, c);
        }
        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    private static double Copy(int threads)
    {
        const int Bytes = 256 << 20;
        var sources = Enumerable.Range(0, threads).Select(_ => GC.AllocateArray<byte>(Bytes, pinned: true)).ToArray();
        var targets = Enumerable.Range(0, threads).Select(_ => GC.AllocateArray<byte>(Bytes, pinned: true)).ToArray();
        foreach (var s in sources) s.AsSpan().Fill(1);
        foreach (var t in targets) t.AsSpan().Clear();
        var clock = Stopwatch.StartNew();
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, i => sources[i].AsSpan().CopyTo(targets[i]));
        return 2.0 * threads * Bytes / clock.Elapsed.TotalSeconds / 1e9;
    }
}
