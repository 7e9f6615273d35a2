using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Blocks;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Tests.Engine.Support;

namespace MLNet.Nmf.Tests.Engine.Solvers;

/// <summary>
/// Penalised fits of data of extreme magnitude, which every fit mode rescales (<see cref="DataScale"/>): the penalties are
/// scaled with the data so that the rescaled problem is the original one, and a weight this makes larger than any
/// ordinary fit's is held at <see cref="NmfFitOptions.Limits.MaxPenalty"/>. Data around 1e-30 with a penalty meant for
/// ordinary data (AlphaW = 0.001) used to end in an OverflowException ("feature 0 is NaN ... the components' largest sum
/// NaN"): its rescaled weights (up to 2^175) overflowed float. With X scaled by c = 2^e, the factors scale by 2^(e/2), and
/// the same minimiser needs α·c^1.5 for L1 and α·c for L2: so scaled, the fit equals the ordinary fit times 2^(e/2)
/// (a penalised fit splits the rescaling evenly between W and H, <see cref="DataScale.Balanced"/>).
/// </summary>
public class PenaltyExtremeScaleTests
{
    public enum Mode { Fit, Masked, Blocks, Streamed }

    private sealed class ListSource(IReadOnlyList<INmfMatrix> blocks) : INmfRowBlockSource
    {
        public int Columns => blocks[0].Columns;

        public IEnumerable<INmfMatrix> ReadBlocks() => blocks;
    }

    /// <summary>Digits / 16 (exact): its largest value is 1, so the rescaled data is this matrix bit for bit.</summary>
    private static float[] Ordinary()
    {
        var values = TestData.Digits(40).Values.ToArray().Select(v => v / 16).ToArray();
        values.Max().Should().Be(1f);
        return values;
    }

    private static NmfFitOptions Options(double alpha, double l1Ratio, Mode mode) => new()
    {
        Rank = 4, Seed = 2, MaxIterations = 40, Tolerance = 0, Initialization = NmfInitialization.Random, DegreeOfParallelism = 2,
        AlphaW = alpha, L1Ratio = l1Ratio, MissingValues = mode == Mode.Masked ? NmfMissingValues.Ignore : NmfMissingValues.Error,
    };

    /// <summary>The fit of <paramref name="values"/> (40 x 64, times 2^<paramref name="exponent"/>) in the mode; (H, relative error).</summary>
    private static (float[] H, double RelativeError) Fit(float[] values, int exponent, NmfFitOptions options, Mode mode)
    {
        var scaled = values.Select(v => (float)Math.ScaleB(v, exponent)).ToArray();
        if (mode == Mode.Masked)
        {
            scaled[5] = float.NaN;
            var result = NmfEngine.Fit(new DenseMatrix(40, 64, scaled, NmfMissingValues.Ignore), options);
            return (result.H.Values.ToArray(), result.RelativeError);
        }
        var x = new DenseMatrix(40, 64, scaled);
        var blocks = new INmfMatrix[] { new DenseMatrix(25, 64, scaled[..(25 * 64)]), new DenseMatrix(15, 64, scaled[(25 * 64)..]) };
        switch (mode)
        {
            case Mode.Fit:
                var fit = NmfEngine.Fit(x, options);
                return (fit.H.Values.ToArray(), fit.RelativeError);
            case Mode.Blocks:
                var inBlocks = NmfEngine.FitBlocks(blocks, options);
                return (inBlocks.H.Values.ToArray(), inBlocks.RelativeError);
            default:
                var streamed = NmfEngine.FitStreamed(new ListSource(blocks), options, new NmfStreamingOptions { MaxPasses = 60 });
                return (streamed.H.Values.ToArray(), streamed.RelativeError);
        }
    }

    [Theory]
    [InlineData(Mode.Fit)]
    [InlineData(Mode.Masked)]
    [InlineData(Mode.Blocks)]
    [InlineData(Mode.Streamed)]
    public void PenaltyMeantForOrdinaryData_OnDataAround1e30Below_ZeroesTheFactors_AsAStrongPenaltyDoesOnOrdinaryData(Mode mode)
    {
        // AlphaW = 0.001 on data of 2^-100 is, scaled to ordinary data, AlphaW ≈ 1e42: far beyond what zeroes every factor.
        // On ordinary data the largest penalty allowed (1e10) already does; the tiny data must give the same zeros.
        var ordinary = Fit(Ordinary(), 0, Options(NmfFitOptions.Limits.MaxAlpha, 0.5, mode), mode);
        ordinary.H.Should().OnlyContain(v => v == 0f);

        var tiny = Fit(Ordinary(), -100, Options(0.001, 0.5, mode), mode);

        tiny.H.Should().OnlyContain(v => v == 0f, "the penalty dominates the data");
        tiny.RelativeError.Should().Be(1);
    }

    [Theory]
    [InlineData(Mode.Fit, -100, 1.0)]
    [InlineData(Mode.Fit, -100, 0.0)]
    [InlineData(Mode.Fit, 100, 1.0)]
    [InlineData(Mode.Masked, -100, 1.0)]
    [InlineData(Mode.Masked, 100, 0.0)]
    [InlineData(Mode.Blocks, -100, 0.0)]
    [InlineData(Mode.Blocks, 100, 1.0)]
    [InlineData(Mode.Streamed, -100, 1.0)]
    [InlineData(Mode.Streamed, 100, 0.0)]
    public void PenalisedFit_OfScaledData_WithTheEquivalentPenalty_IsTheOrdinaryFit_TimesAPowerOfTwo(Mode mode, int exponent, double l1Ratio)
    {
        // Scaled by 2^e, α's equivalent is α·2^(1.5e) for L1 and α·2^e for L2. The rescaled data is the ordinary data bit for
        // bit, and with W and H each scaled by 2^(e/2) its penalties are the ordinary ones exactly: the same fit, H times
        // 2^(e/2). (On data of 2^-100, the split favouring W made HALS zero H, 0.05 L1: a relative error of 1 against 0.51.)
        // Data of 2^100 allows only equivalents of negligible penalties (α ≤ 1e10 there is α·2^-150 on the ordinary data).
        double alpha = exponent < 0 ? 0.05 : NmfFitOptions.Limits.MaxAlpha;
        double ordinaryAlpha = exponent < 0 ? alpha : alpha * Math.Pow(2, l1Ratio == 1 ? -1.5 * exponent : -exponent);
        double scaledAlpha = exponent < 0 ? alpha * Math.Pow(2, l1Ratio == 1 ? 1.5 * exponent : exponent) : alpha;
        var ordinary = Fit(Ordinary(), 0, Options(ordinaryAlpha, l1Ratio, mode), mode);
        if (exponent < 0)
        {
            var unpenalised = Fit(Ordinary(), 0, Options(0, l1Ratio, mode), mode);
            FactorAssertions.RelativeDifference(Normalized(ordinary.H), Normalized(unpenalised.H)).Should().BeGreaterThan(1e-3, "the penalty matters");
        }

        var scaled = Fit(Ordinary(), exponent, Options(scaledAlpha, l1Ratio, mode), mode);

        scaled.H.Should().Equal(ordinary.H.Select(v => (float)Math.ScaleB(v, exponent / 2)), "H is the ordinary fit's H times 2^(e/2), bit for bit");
        scaled.RelativeError.Should().Be(ordinary.RelativeError);
    }

    private static float[] Normalized(float[] h)
    {
        double norm = Math.Sqrt(h.Sum(v => (double)v * v));
        return h.Select(v => (float)(v / norm)).ToArray();
    }
}
