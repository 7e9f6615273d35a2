using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Blocks;
using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Tests.Engine.Blocks;

/// <summary>
/// <see cref="NmfComponentState.Checkpoint"/> / <see cref="NmfComponentState.Resume"/>: a driver that loses its
/// components' state mid-fit and resumes from Hᵀ, the checkpoint and each block's W_b of that iteration ends with
/// the same bits as <see cref="NmfEngine.FitBlocks"/> (what the cluster fit relies on after losing a silo).
/// </summary>
public class ComponentCheckpointTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Resume_AfterAnyIteration_EndsBitIdenticalToFitBlocks(bool shuffle)
    {
        var (_, sparse) = TestData.Random(600, 90, 0.1, seed: 5);
        var blocks = FitBlocksTests.Split(sparse, 200, 150, 250);
        var options = new NmfFitOptions { Rank = 5, MaxIterations = 12, Tolerance = 0, Seed = 9, Shuffle = shuffle, Initialization = NmfInitialization.Random, DegreeOfParallelism = 1 };
        var reference = NmfEngine.FitBlocks(blocks, options);

        var steps = blocks.Select(b => new NmfBlockStep(b)).ToArray();
        int m = blocks.Sum(b => b.Rows), n = sparse.Columns, k = options.Rank;
        long nonZeros = steps.Sum(s => s.NonZeroCount);
        double scale = NmfBlockStart.RandomScale(steps.Sum(s => s.Sum), m, n, k);
        var features = new float[steps.Length][];
        long first = 0;
        for (int b = 0; b < steps.Length; b++)
        {
            features[b] = NmfBlockStart.RandomFeatures(options.Seed, k, n, first, steps[b].Rows, scale);
            first += steps[b].Rows;
        }
        var state = new NmfComponentState(NmfBlockStart.RandomComponents(options.Seed, k, n, scale), n, m, nonZeros, options);
        state.Start(Sum(steps.Select((s, b) => s.Measure(features[b], k, state.PenaltyW)), k, n));
        for (int i = 0; i < 5; i++)
        {
            var input = state.NextStep();
            state.Update(Sum(steps.Select((s, b) => s.Update(features[b], input)), k, n));
        }

        // The machine is lost: only Hᵀ, the checkpoint and the W_b survive.
        var stored = (float[])state.ComponentsTransposed.Clone();
        var checkpoint = state.Checkpoint();
        state = NmfComponentState.Resume(stored, n, m, nonZeros, options, checkpoint);
        while (!state.Finished)
        {
            var input = state.NextStep();
            state.Update(Sum(steps.Select((s, b) => s.Update(features[b], input)), k, n));
        }

        var h = new float[k * n];
        for (int j = 0; j < n; j++)
            for (int t = 0; t < k; t++)
                h[t * n + j] = state.ComponentsTransposed[j * k + t];
        h.Should().Equal(reference.H.Values.ToArray());
        state.LossHistory.Should().Equal(reference.LossHistory);
    }

    [Fact]
    public void Resume_InconsistentCheckpoint_IsRefused()
    {
        var options = new NmfFitOptions { Rank = 2 };
        var act = () => NmfComponentState.Resume(new float[3 * 2 + 8], 3, 4, 5, options, new NmfComponentCheckpoint(3, 1, false, new double[2]));
        act.Should().Throw<ArgumentException>().WithMessage("The checkpoint records 3 iterations and 2 objective values*");
    }

    private static NmfBlockStatistics Sum(IEnumerable<NmfBlockStatistics> blocks, int k, int n)
    {
        var total = new NmfBlockStatistics(k, n);
        foreach (var b in blocks)
            total.Add(b);
        return total;
    }
}
