using MLNet.Nmf.Engine.RankSelection;

namespace MLNet.Nmf.Benchmarks;

/// <summary><c>rank-selection</c>: one run of <see cref="NmfRankSelection.Run"/> over <c>--ranks</c>, timed as a whole;
/// the first run's peak resident set (VmHWM) above the one before it.</summary>
internal static class RankSelectionBench
{
    public static void Run(BenchArgs a, Engine.Matrices.INmfMatrix x, string dataset)
    {
        if (a.Ranks.Length == 0)
            throw new ArgumentException("rank-selection needs --ranks (e.g. 2..30).");
        var seconds = new List<double>();
        NmfRankSelectionResult? result = null;
        // The peak resident set of the first run above the one before it (the data loaded, nothing else): the masks and fits.
        Measure.ResetPeak();
        double baseline = Measure.Memory().CurrentMb;
        double peak = 0;
        for (int run = 0; run < a.Runs; run++)
        {
            seconds.Add(Measure.Time(() => result = NmfRankSelection.Run(x, a.Ranks, a.ToOptions(), a.HoldOut, a.Repeats)));
            if (run == 0)
                peak = Measure.Memory().PeakMb;
        }
        var (median, min, max) = Measure.Summarize(seconds);
        var record = EngineBench.Common(a, x, dataset, "rank-selection");
        record["ranks"] = a.Ranks;
        record["repeats"] = a.Repeats;
        record["holdout"] = a.HoldOut;
        record["seconds_median"] = median;
        record["seconds_min"] = min;
        record["seconds_max"] = max;
        record["seconds_all"] = seconds;
        record["peak_working_set_mb"] = peak;
        record["working_set_before_mb"] = baseline;
        record["peak_above_before_mb"] = peak - baseline;
        record["data_mb"] = EngineBench.StoredBytes(x) / 1048576;
        record["best_rank"] = result!.BestRank;
        record["table"] = result.Scores.Select(s => new Dictionary<string, object?>
        {
            ["rank"] = s.Rank, ["held_out_rmse"] = s.HeldOutError, ["held_out_sd"] = s.HeldOutErrorSpread,
            ["training_rmse"] = s.TrainingError, ["stability"] = double.IsFinite(s.Stability) ? s.Stability : null, ["seconds"] = s.Seconds,
        }).ToArray();
        Measure.Print(record);
        Console.Error.Write(result.ToTable());
    }
}
