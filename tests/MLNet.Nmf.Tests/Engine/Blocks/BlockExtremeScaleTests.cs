using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Blocks;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Tests.Engine.Support;

namespace MLNet.Nmf.Tests.Engine.Blocks;

/// <summary>
/// The block-wise fits rescale data beyond what float products carry as <see cref="NmfEngine.Fit"/> does (an exact
/// power of two, W and H scaled back): <see cref="NmfEngine.FitBlocks"/> once made NaN components from blocks of
/// values near 1e30, and <see cref="NmfEngine.FitStreamed"/> a false "NaN" error or a fit worse than zero factors.
/// </summary>
public class BlockExtremeScaleTests
{
    private static float[] Random(int rows, int columns, int seed, float scale, double zeroShare = 0.3) =>
        Magnitude.Values(rows, columns, seed, scale, zeroShare);

    private sealed class ListSource(IReadOnlyList<INmfMatrix> blocks) : INmfRowBlockSource
    {
        public int Columns => blocks[0].Columns;

        public IEnumerable<INmfMatrix> ReadBlocks() => blocks;
    }

    [Fact]
    public void FitBlocks_OnBlocksOfLargeValues_FitsAsFitDoes()
    {
        // NmfEngine.Fit on the same rows (one block) rescales and succeeds; FitBlocks with two blocks once made NaN
        // components and threw an OverflowException that blamed a row of ordinary size ("the components' largest sum NaN").
        var a = new DenseMatrix(10, 12, Random(10, 12, 1, 1e30f));
        var b = new DenseMatrix(10, 12, Random(10, 12, 2, 1e30f));
        var options = new NmfFitOptions { Rank = 3, DegreeOfParallelism = 2 };

        var fit = () => NmfEngine.FitBlocks(new INmfMatrix[] { a, b }, options);

        var result = fit.Should().NotThrow().Subject;
        result.LossHistory.Should().OnlyContain(v => double.IsFinite(v));
        result.RelativeError.Should().BeLessThan(0.9);
    }

    [Theory]
    [InlineData(1e30f)]
    [InlineData(1e-30f)]
    public void FitBlocks_OfScaledData_IsTheScaledFitOfTheOrdinaryData(float scale)
    {
        // The rescaling is exact: the fit divides the data by the power of two that brings its largest value into [1, 2).
        // Ordinary blocks whose largest value is 1.5, times 2^e (exact in float), are therefore fitted as the ordinary
        // blocks themselves: the same iterations and error, and H the ordinary H times a power of two, bit for bit.
        int e = Math.ILogB(scale);
        var first = Random(10, 12, 1, 1f);
        first[0] = 1.5f;
        var ordinary = new[] { new DenseMatrix(10, 12, first), new DenseMatrix(10, 12, Random(10, 12, 2, 1f)) };
        var scaled = ordinary.Select(x => new DenseMatrix(10, 12, x.Values.ToArray().Select(v => (float)Math.ScaleB(v, e)).ToArray())).ToArray();
        var options = new NmfFitOptions { Rank = 3, MaxIterations = 30, Tolerance = 0, DegreeOfParallelism = 2 };

        var expected = NmfEngine.FitBlocks(ordinary, options);
        var result = NmfEngine.FitBlocks(scaled, options);

        result.RelativeError.Should().Be(expected.RelativeError);
        result.Iterations.Should().Be(expected.Iterations);
        var h = result.H.Values.ToArray();
        var h0 = expected.H.Values.ToArray();
        int shift = Math.ILogB(h.Max()) - Math.ILogB(h0.Max());
        h.Should().Equal(h0.Select(v => (float)Math.ScaleB(v, shift)), "H is the ordinary fit's H times an exact power of two");
        result.LossHistory.Should().OnlyContain(v => double.IsFinite(v) && v > 0);
        result.W.Values.ToArray().Should().OnlyContain(v => float.IsFinite(v) && v >= 0);
    }

    [Theory]
    [InlineData(1e30f, 0.001)]
    [InlineData(1e-30f, 0.0)] // (a penalty this large next to data of 1e-30 makes NaN components in NmfEngine.Fit too)
    public void FitStreamed_OfDataOfExtremeMagnitude_EqualsFitBlocks_BitForBit(float scale, double alpha)
    {
        var blocks = new INmfMatrix[]
        {
            new DenseMatrix(10, 12, Random(10, 12, 1, scale)), new DenseMatrix(10, 12, Random(10, 12, 2, scale)), new DenseMatrix(5, 12, Random(5, 12, 3, scale)),
        };
        var options = new NmfFitOptions { Rank = 3, MaxIterations = 12, Tolerance = 0, DegreeOfParallelism = 2, AlphaW = alpha, L1Ratio = 0.5 };

        var expected = NmfEngine.FitBlocks(blocks, options);
        var streamed = NmfEngine.FitStreamed(new ListSource(blocks), options, new NmfStreamingOptions { MaxPasses = 20 });

        streamed.H.Values.ToArray().Should().Equal(expected.H.Values.ToArray());
        streamed.LossHistory.Should().Equal(expected.LossHistory);
        streamed.RelativeError.Should().BeLessThan(0.9);
        streamed.Projector.Penalty.Should().Be(expected.Projector.Penalty);
    }
}
