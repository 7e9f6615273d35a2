using MLNet.Nmf.Engine.RankSelection;
using ScottPlot;

namespace MLNet.Nmf.Plots;

/// <summary>Draws a <see cref="NmfRankSelectionResult"/> as a PNG with ScottPlot.</summary>
public static class NmfRankSelectionPlot
{
    /// <summary>The most pixels a plot can have: one raster of 4 bytes a pixel within 2 GiB.</summary>
    public const long MaxPixels = int.MaxValue / 4;

    /// <summary>
    /// Writes the rank curve to <paramref name="path"/>: held-out and training RMSE against the rank (error bars = the
    /// spread over repeats), the best rank marked, and the component stability on a right-hand axis when measured.
    /// </summary>
    /// <param name="result">The rank selection's result.</param>
    /// <param name="path">The PNG file to write.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <param name="title">The plot's title; null for a default.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 100 pixels, or width x height is above <see cref="MaxPixels"/>.</exception>
    public static void SavePng(this NmfRankSelectionResult result, string path, int width = 900, int height = 520, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 100);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 100);
        if ((long)width * height > MaxPixels)
            throw new ArgumentOutOfRangeException(nameof(width), width, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"width {width} x height {height} is {(long)width * height} pixels; a PNG is drawn in one raster of 4 bytes a pixel, at most {MaxPixels} pixels (2 GiB). Lower width or height."));

        var scores = result.Scores.OrderBy(s => s.Rank).ToArray();
        double[] ranks = scores.Select(s => (double)s.Rank).ToArray();
        var plot = new Plot();

        var heldOut = plot.Add.Scatter(ranks, scores.Select(s => s.HeldOutError).ToArray());
        heldOut.LegendText = "held-out RMSE";
        heldOut.LineWidth = 2;
        plot.Add.ErrorBar(ranks, scores.Select(s => s.HeldOutError).ToArray(), scores.Select(s => s.HeldOutErrorSpread).ToArray()).Color = heldOut.Color;

        var training = plot.Add.Scatter(ranks, scores.Select(s => s.TrainingError).ToArray());
        training.LegendText = "training RMSE";
        training.LinePattern = LinePattern.Dashed;

        var best = plot.Add.VerticalLine(result.BestRank);
        best.LinePattern = LinePattern.Dotted;
        best.LegendText = $"best rank {result.BestRank}";

        if (scores.All(s => double.IsFinite(s.Stability)))
        {
            var stability = plot.Add.Scatter(ranks, scores.Select(s => s.Stability).ToArray());
            stability.LegendText = "component stability (right axis)";
            stability.Axes.YAxis = plot.Axes.Right;
            stability.MarkerShape = MarkerShape.OpenCircle;
            plot.Axes.Right.Label.Text = "mean cosine of matched components";
            plot.Axes.SetLimitsY(0, 1.05, plot.Axes.Right);
        }

        plot.Axes.Bottom.Label.Text = "rank";
        plot.Axes.Left.Label.Text = "RMSE per entry";
        plot.Title(title ?? $"NMF rank selection ({result.HoldOutFraction:P0} held out, {result.Repeats} repeat(s))");
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, width, height);
    }
}
