using System.Reflection;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.RankSelection;

namespace MLNet.Nmf.Benchmarks;

/// <summary>
/// <c>holdout-mask</c>: builds one rank-selection mask (the engine's internal <c>HoldOut.Create</c>, seed <c>--seed</c>,
/// <c>--holdout</c> of the observed entries) <c>--runs</c> times, each after a peak reset: its seconds, the bytes it
/// allocated and its peak resident set (VmHWM) above the resident set just before it; medians over the runs. The work
/// rank selection does before its first fit, alone. The engine grants its internals to the tests only
/// (EngineAssemblyTests), so the harness reaches <c>HoldOut.Create</c> by reflection, once, outside the timed call.
/// </summary>
internal static class HoldOutMaskBench
{
    private static readonly Type HoldOut = typeof(NmfRankSelection).Assembly.GetType("MLNet.Nmf.Engine.RankSelection.HoldOut", throwOnError: true)!;
    private static readonly Func<INmfMatrix, double, int, object> Create = HoldOut.GetMethod("Create", BindingFlags.Public | BindingFlags.Static,
        [typeof(INmfMatrix), typeof(double), typeof(int)])!.CreateDelegate<Func<INmfMatrix, double, int, object>>();
    private static readonly PropertyInfo HeldOutCount = HoldOut.GetProperty("HeldOutCount")!;

    public static void Run(BenchArgs a, INmfMatrix x, string dataset)
    {
        var seconds = new List<double>();
        var peaks = new List<double>();
        var allocated = new List<double>();
        int heldOut = 0;
        for (int run = 0; run < a.Runs; run++)
        {
            Measure.ResetPeak();
            double before = Measure.Memory().CurrentMb;
            long bytes = GC.GetAllocatedBytesForCurrentThread();
            object? mask = null;
            seconds.Add(Measure.Time(() => mask = Create(x, a.HoldOut, a.Seed)));
            allocated.Add((GC.GetAllocatedBytesForCurrentThread() - bytes) / 1048576.0);
            peaks.Add(Measure.Memory().PeakMb - before);
            heldOut = (int)HeldOutCount.GetValue(mask)!;
            GC.KeepAlive(mask);
        }
        var (median, min, max) = Measure.Summarize(seconds);
        var record = EngineBench.Common(a, x, dataset, "holdout-mask");
        record["holdout"] = a.HoldOut;
        record["held_out_entries"] = heldOut;
        record["seconds_median"] = median;
        record["seconds_min"] = min;
        record["seconds_max"] = max;
        record["seconds_all"] = seconds;
        record["allocated_mb_median"] = Measure.Summarize(allocated).Median;
        record["peak_above_before_mb_median"] = Measure.Summarize(peaks).Median;
        record["peak_above_before_mb_all"] = peaks;
        record["data_mb"] = EngineBench.StoredBytes(x) / 1048576;
        Measure.Print(record);
    }
}
