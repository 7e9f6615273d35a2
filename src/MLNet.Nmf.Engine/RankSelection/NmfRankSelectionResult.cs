using System.Globalization;
using System.Text;

namespace MLNet.Nmf.Engine.RankSelection;

/// <summary>What <see cref="NmfRankSelection.Run"/> measured: one <see cref="NmfRankScore"/> per rank, in the order asked.</summary>
public sealed class NmfRankSelectionResult
{
    internal NmfRankSelectionResult(IReadOnlyList<NmfRankScore> scores, double holdOutFraction, int repeats)
    {
        Scores = scores;
        HoldOutFraction = holdOutFraction;
        Repeats = repeats;
        BestRank = scores.MinBy(s => s.HeldOutError)!.Rank;
    }

    /// <summary>The per-rank figures.</summary>
    public IReadOnlyList<NmfRankScore> Scores { get; }

    /// <summary>The rank with the smallest mean held-out error.</summary>
    public int BestRank { get; }

    /// <summary>Share of the observed entries held out in each repeat.</summary>
    public double HoldOutFraction { get; }

    /// <summary>Number of repeats (masks and seeds) per rank.</summary>
    public int Repeats { get; }

    /// <summary>The table as fixed-width text, one line per rank, the best marked with '*' (a spread of three significant digits
    /// takes up to eight characters, e.g. 4.04E-05).</summary>
    public string ToTable()
    {
        var text = new StringBuilder();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"NMF rank selection: {HoldOutFraction:P0} of the entries held out, {Repeats} repeat(s)."));
        text.AppendLine("  rank   held-out RMSE  (±sd)     training RMSE  (±sd)    stability   seconds");
        foreach (var s in Scores)
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{(s.Rank == BestRank ? "*" : " ")} {s.Rank,4}   {s.HeldOutError,10:G5} ({s.HeldOutErrorSpread,8:G3})   {s.TrainingError,10:G5} ({s.TrainingErrorSpread,8:G3})   {s.Stability,9:F3}   {s.Seconds,7:F2}"));
        return text.ToString();
    }

    /// <inheritdoc />
    public override string ToString() => ToTable();
}
