using ScottPlot;

/// <summary>The example's pictures, drawn with ScottPlot 5 and saved as PNG.</summary>
internal static class Plots
{
    /// <summary>
    /// examples/ImageParts/output/ when run from the repository (found from the binary's location, whatever the working
    /// directory), else output/ under the working directory; never under bin/ or obj/. Git ignores it.
    /// </summary>
    public static string OutputDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ImageParts.csproj")))
                return Directory.CreateDirectory(Path.Combine(dir.FullName, "output")).FullName;
        return Directory.CreateDirectory(Path.Combine(Directory.GetCurrentDirectory(), "output")).FullName;
    }

    /// <summary>8x8 images in a grid, each scaled to its own maximum (dark = heavy), framed and labelled.</summary>
    public static void Grid(IReadOnlyList<float[]> images, int columns, IReadOnlyList<string> labels, string title, string path)
    {
        const double tile = 8, gap = 3;
        int rows = (images.Count + columns - 1) / columns;
        var plot = new Plot();
        for (int n = 0; n < images.Count; n++)
        {
            double left = n % columns * (tile + gap), top = -(n / columns) * (tile + gap + 1.5);
            float max = Math.Max(images[n].Max(), 1e-12f);
            var pixels = new double[8, 8];
            for (int p = 0; p < 64; p++)
                pixels[p / 8, p % 8] = images[n][p] / max;
            var heatmap = plot.Add.Heatmap(pixels);
            heatmap.Colormap = new ScottPlot.Colormaps.GrayscaleReversed();
            heatmap.ManualRange = new ScottPlot.Range(0, 1);
            // ScottPlot places the centres of the corner cells on this rectangle: half a cell inside the frame.
            heatmap.Extent = new CoordinateRect(left + 0.5, left + tile - 0.5, top - tile + 0.5, top - 0.5);
            var frame = plot.Add.Rectangle(left, left + tile, top - tile, top);
            frame.FillStyle.Color = Colors.Transparent;
            frame.LineStyle.Color = Colors.SteelBlue;
            frame.LineStyle.Width = 2;
            var label = plot.Add.Text(labels[n], left + tile / 2, top + 0.3);
            label.LabelFontSize = 14;
            label.LabelAlignment = Alignment.LowerCenter;
            label.LabelFontColor = Colors.Black;
        }
        plot.Axes.Frameless();
        plot.HideGrid();
        plot.Axes.SquareUnits();
        plot.Axes.SetLimits(-1, columns * (tile + gap) - gap + 1, -rows * (tile + gap + 1.5) + gap, 2.5);
        plot.Title(title);
        plot.SavePng(path, 160 * columns + 40, 175 * rows + 70);
    }

    /// <summary>The objective per iteration (index 0 = the start) on a log-scaled axis with labelled ticks.</summary>
    public static void Loss(double[] objective, string path)
    {
        var plot = new Plot();
        double[] xs = Enumerable.Range(0, objective.Length).Select(i => (double)i).ToArray();
        double[] ys = objective.Select(Math.Log10).ToArray();
        var line = plot.Add.Scatter(xs, ys);
        line.MarkerSize = 3;
        line.LineWidth = 2;
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => Math.Pow(10, y).ToString("0.#E+0", System.Globalization.CultureInfo.InvariantCulture),
        };
        plot.Grid.MajorLineColor = Colors.Black.WithOpacity(.15);
        plot.Grid.MinorLineColor = Colors.Black.WithOpacity(.05);
        plot.Grid.MinorLineWidth = 1;
        plot.Title("NMF objective per iteration (log scale)");
        plot.XLabel("iteration");
        plot.YLabel("objective ½‖X − WH‖²");
        plot.SavePng(path, 720, 420);
    }
}
