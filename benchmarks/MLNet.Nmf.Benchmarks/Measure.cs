using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace MLNet.Nmf.Benchmarks;

/// <summary>Timing, memory and output helpers shared by the benchmark commands.</summary>
internal static class Measure
{
    /// <summary>Best measured float32 GEMM on this machine class (../shared/bench/machine.json, SGEMM 4096³, 2 threads).</summary>
    public const double PeakGflops = 189.5;

    /// <summary>Memory copy bandwidth, 2 threads (read + write bytes), same source.</summary>
    public const double CopyGBps = 41.05;

    /// <summary>Median, min and max of run times in seconds.</summary>
    public static (double Median, double Min, double Max) Summarize(IReadOnlyList<double> seconds)
    {
        var sorted = seconds.OrderBy(s => s).ToArray();
        int n = sorted.Length;
        double median = n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
        return (median, sorted[0], sorted[^1]);
    }

    /// <summary>
    /// Resets the kernel's peak-RSS mark (VmHWM), as the peer's script does, so the next peak is this run's. The last
    /// collection is aggressive, which decommits the GC's free memory: without it the resident set "before the fit"
    /// still held the loader's garbage (the file's bytes: ~15 MB for the text matrix, ~37 MB for the dense one), which
    /// the fit then reused unseen, so the peak above it understated what a fit needs, by an amount that depended on
    /// when the GC gave memory back.
    /// </summary>
    public static void ResetPeak()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        try { File.WriteAllText("/proc/self/clear_refs", "5"); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>VmHWM (peak resident set) and VmRSS in MB, from /proc/self/status; falls back to Process.</summary>
    public static (double PeakMb, double CurrentMb) Memory()
    {
        double peak = 0, current = 0;
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) peak = Kb(line) / 1024;
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) current = Kb(line) / 1024;
            }
        }
        catch (IOException)
        {
            using var p = Process.GetCurrentProcess();
            peak = p.PeakWorkingSet64 / 1048576.0;
            current = p.WorkingSet64 / 1048576.0;
        }
        return (peak, current);
    }

    private static double Kb(string line) =>
        double.Parse(line.Split(':')[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture);

    public static double Time(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalSeconds;
    }

    public static void Print(Dictionary<string, object?> record) =>
        Console.WriteLine(JsonSerializer.Serialize(record));
}
