using System.Runtime.InteropServices;
using System.Security.Cryptography;
using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Solvers;

namespace MLNet.Nmf.Benchmarks;

/// <summary><c>fit</c> and <c>transform</c> on the engine directly.</summary>
internal static class EngineBench
{
    public static void Fit(BenchArgs a, INmfMatrix x, string dataset)
    {
        var options = a.ToOptions();
        // Warm-up (JIT), as the peer's script; it is also the memory measurement: the process has loaded
        // X and nothing else, so the peak above this baseline is what one fit needs. It is a whole fit, the same as the
        // timed ones: after a shorter one the runtime was still compiling the per-iteration code at full optimization
        // during the first timed fit (2–5 MB of resident code that showed as that fit's growth).
        StageClock.Reset(); // its first call loads and compiles code (0.6 MB of the resident set): not in a fit's figures
        Measure.ResetPeak();
        double baseline = Measure.Memory().CurrentMb;
        NmfEngine.Fit(x, options);
        double peak = Measure.Memory().PeakMb;
        // Later fits in the same process must add nothing to the peak (pooled buffers): the peak is not reset
        // (nor the GC forced) between them, and each run drops the previous result first, as a user refitting would.
        var peaks = new List<double> { peak };
        var seconds = new List<double>();
        NmfResult? result = null;
        for (int run = 0; run < a.Runs; run++)
        {
            if (run == a.Runs - 1)
                StageClock.Reset();
            result = null;
            seconds.Add(Measure.Time(() => result = NmfEngine.Fit(x, options)));
            peaks.Add(Measure.Memory().PeakMb);
        }
        var r = result!;
        var (median, min, max) = Measure.Summarize(seconds);
        var record = Common(a, x, dataset, "fit");
        record["iterations"] = r.Iterations;
        record["converged"] = r.Converged;
        record["seconds_median"] = median;
        record["seconds_min"] = min;
        record["seconds_max"] = max;
        record["seconds_all"] = seconds;
        record["init_seconds"] = r.Timings.Initialization.TotalSeconds;
        record["solver_seconds"] = r.Timings.Solver.TotalSeconds;
        record["projection_seconds"] = r.Timings.Projection.TotalSeconds;
        record["relative_error"] = r.RelativeError;
        record["divergence"] = r.Divergence;
        double flops = FlopsPerIteration(a, x) * r.Iterations;
        double gflops = flops / r.Timings.Solver.TotalSeconds / 1e9;
        record["solver_gflops"] = gflops;
        record["solver_pct_of_fp32_peak"] = 100 * gflops / Measure.PeakGflops;
        AddMemory(record, a, x, baseline, peak);
        record["peak_after_each_fit_mb"] = peaks;
        record["peak_growth_after_first_fit_mb"] = peaks[^1] - peaks[0];
        var stages = StageClock.Snapshot();
        if (stages.Count > 0)
            record["stage_seconds_last_run"] = stages;
        var counts = StageClock.CountSnapshot();
        if (counts.Count > 0)
            record["counts_last_run"] = counts;
        if (a.Checksum)
        {
            // Bit-identity checks between builds: the exact bits of the result, not a tolerance.
            record["sha256_w"] = Sha256(MemoryMarshal.AsBytes(r.W.Values));
            record["sha256_h"] = Sha256(MemoryMarshal.AsBytes(r.H.Values));
            record["sha256_loss_history"] = Sha256(MemoryMarshal.AsBytes(r.LossHistory.ToArray().AsSpan()));
        }
        Measure.Print(record);
    }

    public static void Transform(BenchArgs a, INmfMatrix x, string dataset)
    {
        var result = NmfEngine.Fit(x, a.ToOptions());
        result.Projector.Transform(x, a.Threads); // warm-up
        var seconds = new List<double>();
        DenseMatrix? w = null;
        for (int run = 0; run < a.Runs; run++)
            seconds.Add(Measure.Time(() => w = result.Projector.Transform(x, a.Threads)));
        var (median, min, max) = Measure.Summarize(seconds);
        var record = Common(a, x, dataset, "transform");
        record["iterations"] = result.Iterations;
        record["seconds_median"] = median;
        record["seconds_min"] = min;
        record["seconds_max"] = max;
        record["seconds_all"] = seconds;
        record["relative_error"] = result.RelativeError;
        record["divergence"] = result.Divergence;
        record["rows_per_second"] = x.Rows / median;
        double bytes = StoredBytes(x) + 4.0 * x.Rows * a.Rank;
        record["input_gb_per_second"] = bytes / median / 1e9;
        record["pct_of_copy_bandwidth"] = 100 * bytes / median / 1e9 / Measure.CopyGBps;
        record["max_abs_diff_vs_fit_features"] = MaxRelativeDifference(w!, result.W);
        Measure.Print(record);
    }

    internal static Dictionary<string, object?> Common(BenchArgs a, INmfMatrix x, string dataset, string command) => new()
    {
        ["command"] = command,
        ["dataset"] = dataset,
        ["rows"] = x.Rows,
        ["cols"] = x.Columns,
        ["nnz"] = x.StoredCount,
        ["rank"] = a.Rank,
        ["solver"] = a.Solver.ToString(),
        ["loss"] = a.Loss.ToString(),
        ["init"] = a.Init.ToString(),
        ["max_iterations"] = a.Iterations,
        ["tol"] = a.Tolerance,
        ["alpha_w"] = a.Alpha,
        ["missing_fraction"] = a.Missing,
        ["inner_iterations"] = a.Inner,
        ["threads"] = a.Threads,
        ["runs"] = a.Runs,
        ["seed"] = a.Seed,
    };

    internal static void AddMemory(Dictionary<string, object?> record, BenchArgs a, INmfMatrix x, double baseline, double peak)
    {
        double factorsMb = 4.0 * a.Rank * (x.Rows + (double)x.Columns) / 1048576;
        double dataMb = StoredBytes(x) / 1048576;
        record["peak_working_set_mb"] = peak;
        record["working_set_before_fit_mb"] = baseline;
        record["peak_above_before_fit_mb"] = peak - baseline;
        record["data_plus_factors_mb"] = dataMb + factorsMb;
        record["peak_above_before_over_data_plus_factors"] = (peak - baseline) / (dataMb + factorsMb);
    }

    /// <summary>The peer's FLOP model per iteration (../shared/bench/README.md): N = nnz or m·n.</summary>
    internal static double FlopsPerIteration(BenchArgs a, INmfMatrix x)
    {
        double n = x.StoredCount, k = a.Rank, mn = x.Rows + (double)x.Columns;
        return a.Loss == NmfLoss.Frobenius ? 4 * n * k + 4 * mn * k * k : 8 * n * k + 4 * mn * k;
    }

    /// <summary>Bytes of X as stored: CSR (int32 pointers, int32 indices, float32 values) or dense float32.</summary>
    internal static double StoredBytes(INmfMatrix x) => x is CsrMatrix csr
        ? 4.0 * (csr.Rows + 1) + 8.0 * csr.NonZeroCount
        : 4.0 * x.Rows * x.Columns;

    private static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexString(SHA256.HashData(bytes));

    private static double MaxRelativeDifference(DenseMatrix a, DenseMatrix b)
    {
        double worst = 0;
        var av = a.Values;
        var bv = b.Values;
        for (int i = 0; i < av.Length; i++)
            worst = Math.Max(worst, Math.Abs(av[i] - bv[i]) / Math.Max(1e-12, Math.Abs(bv[i])));
        return worst;
    }
}
