using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.RankSelection;

namespace MLNet.Nmf.Benchmarks;

/// <summary>
/// <c>holdout-mask</c>: builds one rank-selection mask (the internal <see cref="HoldOut.Create"/>, seed <c>--seed</c>,
/// <c>--holdout</c> of the observed entries) <c>--runs</c> times, each after a peak reset: its seconds, the bytes it
/// allocated and its peak resident set (VmHWM) above the resident set just before it; medians over the runs. The work
/// rank selection does before its first fit, alone.
/// </summary>
internal static class HoldOutMaskBench
{
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
            HoldOut? mask = null;
            seconds.Add(Measure.Time(() => mask = HoldOut.Create(x, a.HoldOut, a.Seed)));
            allocated.Add((GC.GetAllocatedBytesForCurrentThread() - bytes) / 1048576.0);
            peaks.Add(Measure.Memory().PeakMb - before);
            heldOut = mask!.HeldOutCount;
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
