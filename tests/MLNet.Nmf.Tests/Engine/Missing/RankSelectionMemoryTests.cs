using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.RankSelection;
using Xunit.Abstractions;

namespace MLNet.Nmf.Tests.Engine.Missing;

/// <summary>Tests that measure the process's live managed memory run alone, so no other test's allocations mix in.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurement
{
    public const string Name = "Memory measurement";
}

/// <summary><see cref="NmfRankSelection"/>'s memory: one held-out copy of the data at a time, whatever the repeats.</summary>
[Collection(MemoryMeasurement.Name)]
public class RankSelectionMemoryTests(ITestOutputHelper output)
{
    [Fact]
    public void RankSelection_LiveMemoryDuringTheFits_DoesNotGrowWithTheRepeats()
    {
        // Every repeat's mask (a full copy of the data with its held-out entries set to NaN) used to be built up front and
        // kept for the whole run: with 5 repeats the live memory during the fits held 5 copies (measured +19 MiB over 1
        // repeat for this 4 MiB matrix). Now one repeat's mask is alive at a time.
        const int rows = 2000, columns = 500;
        var random = new Random(5);
        var x = new DenseMatrix(rows, columns, Enumerable.Range(0, rows * columns).Select(_ => (float)random.NextDouble()).ToArray());
        long dataBytes = (long)rows * columns * sizeof(float);

        long one = PeakLiveBytesDuringFits(x, repeats: 1);
        long five = PeakLiveBytesDuringFits(x, repeats: 5);
        output.WriteLine($"peak live bytes during the fits: 1 repeat {one / 1048576.0:F1} MiB, 5 repeats {five / 1048576.0:F1} MiB, data {dataBytes / 1048576.0:F1} MiB");

        (five - one).Should().BeLessThan(dataBytes / 2, "five repeats keep no more held-out copies of the data alive than one repeat");
    }

    private static long PeakLiveBytesDuringFits(DenseMatrix x, int repeats)
    {
        long peak = 0;
        var fit = new NmfFitOptions
        {
            MaxIterations = 2, Tolerance = 0, Seed = 1, DegreeOfParallelism = 1,
            Progress = _ => peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true)),
        };
        NmfRankSelection.Run(x, [2], fit, holdOutFraction: 0.1, repeats: repeats);
        return peak;
    }
}
