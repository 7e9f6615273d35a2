using MLNet.Nmf.Engine.RankSelection;

namespace MLNet.Nmf.Benchmarks;

/// <summary><c>rank-selection</c>: one run of <see cref="NmfRankSelection.Run"/> over <c>--ranks</c>, timed as a whole.</summary>
internal static class RankSelectionBench
{
    public static void Run(BenchArgs a, Engine.Matrices.INmfMatrix x, string dataset)
    {
        if (a.Ranks.Length == 0)
            throw new ArgumentException("rank-selection needs --ranks (e.g. 2..30).");
        var seconds = new List<double>();
        NmfRankSelectionResult? result = null;
        for (int run = 0; run < a.Runs; run++)
            seconds.Add(Measure.Time(() => result = NmfRankSelection.Run(x, a.Ranks, a.ToOptions(), a.HoldOut, a.Repeats)));
        var (median, min, max) = Measure.Summarize(seconds);
        var record = EngineBench.Common(a, x, dataset, "rank-selection");
        record["ranks"] = a.Ranks;
        record["repeats"] = a.Repeats;
        record["holdout"] = a.HoldOut;
        record["seconds_median"] = median;
        record["seconds_min"] = min;
        record["seconds_max"] = max;
        record["seconds_all"] = seconds;
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
