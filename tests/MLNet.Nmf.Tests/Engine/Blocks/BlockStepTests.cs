using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Blocks;
using MLNet.Nmf.Engine.Initialization;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Solvers;
using MLNet.Nmf.Tests.Engine.Support;

namespace MLNet.Nmf.Tests.Engine.Blocks;

/// <summary>
/// The public pieces a driver on another machine uses: <see cref="NmfBlockStep"/>, <see cref="NmfBlockStatistics"/>,
/// <see cref="NmfComponentState"/> and <see cref="NmfBlockStart"/>.
/// </summary>
public class BlockStepTests
{
    [Fact]
    public void Statistics_AreTheGramAndCrossProductOfTheUpdatedFeatures()
    {
        var (_, x) = TestData.Random(300, 50, 0.2, seed: 2);
        int k = 5;
        var step = new NmfBlockStep(x);
        var features = NmfBlockStart.RandomFeatures(seed: 1, k, x.Columns, firstRow: 0, x.Rows, scale: 0.3);
        var ht = NmfBlockStart.RandomComponents(seed: 1, k, x.Columns, scale: 0.3);
        var components = new NmfComponentState(ht, x.Columns, x.Rows, x.NonZeroCount, new NmfFitOptions { Rank = k });

        var stats = step.Update(features, components.NextStep());

        var xd = Reference.ToArray(x);
        var w = new double[x.Rows, k];
        for (int i = 0; i < x.Rows; i++)
            for (int t = 0; t < k; t++)
                w[i, t] = features[i * k + t];
        var gram = Reference.Multiply(Reference.Transpose(w), w);
        var cross = Reference.Multiply(Reference.Transpose(xd), w);
        for (int s = 0; s < k; s++)
            for (int t = 0; t < k; t++)
                stats.Gram[s * k + t].Should().BeApproximately(gram[s, t], 1e-5 * Math.Abs(gram[s, t]) + 1e-6, "Gram entry ({0}, {1})", s, t);
        for (int j = 0; j < x.Columns; j++)
            for (int t = 0; t < k; t++)
                stats.CrossProduct[j * k + t].Should().BeApproximately(cross[j, t], 1e-5 * Math.Abs(cross[j, t]) + 1e-6, "XᵀW entry ({0}, {1})", j, t);
        stats.Rows.Should().Be(x.Rows);
        stats.Violation.Should().BeGreaterThan(0, "a random start is far from optimal");
        stats.DataSquaredNorm.Should().BeApproximately(Reference.SquaredNorm(xd), 1e-9 * Reference.SquaredNorm(xd));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(37)]
    public void RandomStart_OfABlock_IsTheSliceOfFitsRandomStart(int firstRow)
    {
        // k odd and n odd, so that blocks start both on the first and on the second value of a Box-Muller pair.
        var (_, x) = TestData.Random(120, 33, 0.2, seed: 3);
        int k = 5, rows = 40;
        var options = new NmfFitOptions { Rank = k, Initialization = NmfInitialization.Random, Seed = 12 };
        var data = DataOperand.Create(x);
        var (w, ht) = Initializer.Create(data, options, NmfInitialization.Random, new SeededRandom(12), 1);
        double scale = NmfBlockStart.RandomScale(data.Sum, x.Rows, x.Columns, k);

        NmfBlockStart.RandomComponents(12, k, x.Columns, scale).Should().Equal(ht);
        var block = NmfBlockStart.RandomFeatures(12, k, x.Columns, firstRow, rows, scale);
        block.AsSpan(0, rows * k).ToArray().Should().Equal(w.AsSpan(firstRow * k, rows * k).ToArray());
    }

    [Fact]
    public void StatisticsAdd_OfTwoBlocks_EqualsTheStatisticsOfBoth()
    {
        var (_, x) = TestData.Random(400, 60, 0.1, seed: 5);
        var parts = FitBlocksTests.Split(x, 150, 250);
        int k = 4;
        var w = NmfBlockStart.RandomFeatures(2, k, x.Columns, 0, 400, 0.5);
        var top = NmfBlockStart.RandomFeatures(2, k, x.Columns, 0, 150, 0.5);
        var bottom = NmfBlockStart.RandomFeatures(2, k, x.Columns, 150, 250, 0.5);
        var penalty = new Penalty(0.1, 0.2);

        var whole = new NmfBlockStep(x).Measure(w, k, penalty);
        var sum = new NmfBlockStatistics(k, x.Columns);
        sum.Add(new NmfBlockStep(parts[0]).Measure(top, k, penalty));
        sum.Add(new NmfBlockStep(parts[1]).Measure(bottom, k, penalty));

        sum.Rows.Should().Be(400);
        sum.CrossProduct.Should().Equal(whole.CrossProduct, (a, b) => Math.Abs(a - b) <= 1e-5 * Math.Abs(b) + 1e-7);
        sum.Gram.Should().Equal(whole.Gram, (a, b) => Math.Abs(a - b) <= 1e-5 * Math.Abs(b));
        sum.FeatureSum.Should().BeApproximately(whole.FeatureSum, 1e-9 * whole.FeatureSum);
        sum.FeatureSquares.Should().BeApproximately(whole.FeatureSquares, 1e-9 * whole.FeatureSquares);
        sum.DataSquaredNorm.Should().BeApproximately(whole.DataSquaredNorm, 1e-9 * whole.DataSquaredNorm);
    }

    [Fact]
    public void StatisticsAdd_OfAnotherRank_ThrowsNamingBothShapes()
    {
        var act = () => new NmfBlockStatistics(3, 10).Add(new NmfBlockStatistics(4, 10));
        act.Should().Throw<ArgumentException>().WithMessage("Cannot add statistics of rank 4 with 10 features to statistics of rank 3 with 10 features.*");
    }

    [Fact]
    public void Update_FeaturesTooShort_ThrowsWithTheNeededLength()
    {
        var (_, x) = TestData.Random(20, 10, 0.3, seed: 1);
        var components = new NmfComponentState(NmfBlockStart.RandomComponents(1, 3, 10, 0.5), 10, 20, x.NonZeroCount, new NmfFitOptions { Rank = 3 });
        var act = () => new NmfBlockStep(x).Update(new float[60], components.NextStep());
        act.Should().Throw<ArgumentException>().WithMessage("features must hold rows*k + 8 = 68 floats*but holds 60.*").Which.ParamName.Should().Be("features");
    }

    [Fact]
    public void StepInput_OrderNotAPermutation_Throws()
    {
        var act = () => new NmfBlockStepInput(3, 10, new float[38], new double[9], default, new[] { 0, 0, 2 }, 1);
        act.Should().Throw<ArgumentException>().WithMessage("order must be a permutation of 0..2.*").Which.ParamName.Should().Be("order");
    }

    [Fact]
    public void ADriverOfThePublicStep_ReproducesFitBlocks_BitForBit()
    {
        // What a cluster does: each owner keeps its block and W_b; statistics travel and are added in block order.
        var (_, x) = TestData.Random(900, 80, 0.08, seed: 9);
        var parts = FitBlocksTests.Split(x, 300, 301, 299);
        var options = new NmfFitOptions { Rank = 5, MaxIterations = 12, Tolerance = 0, Shuffle = true, Seed = 4, AlphaH = 0.001, Initialization = NmfInitialization.Random };
        var expected = NmfEngine.FitBlocks(parts, options);

        var steps = parts.Select(p => new NmfBlockStep(p)).ToArray();
        double sum = steps.Aggregate(0.0, (s, b) => s + b.Sum);
        long nonZeros = steps.Sum(b => b.NonZeroCount);
        double scale = NmfBlockStart.RandomScale(sum, 900, 80, 5);
        var features = new float[3][];
        for (int b = 0, row = 0; b < 3; row += steps[b].Rows, b++)
            features[b] = NmfBlockStart.RandomFeatures(4, 5, 80, row, steps[b].Rows, scale);
        var components = new NmfComponentState(NmfBlockStart.RandomComponents(4, 5, 80, scale), 80, 900, nonZeros, options);
        NmfBlockStatistics Sum(Func<int, NmfBlockStatistics> step)
        {
            var total = new NmfBlockStatistics(5, 80);
            for (int b = 0; b < 3; b++)
                total.Add(step(b));
            return total;
        }
        components.Start(Sum(b => steps[b].Measure(features[b], 5, components.PenaltyW)));
        while (!components.Finished)
        {
            var input = components.NextStep();
            components.Update(Sum(b => steps[b].Update(features[b], input, degreeOfParallelism: 2)));
        }

        components.LossHistory.Should().Equal(expected.LossHistory);
        var h = expected.H.Values.ToArray();
        for (int t = 0; t < 5; t++)
            for (int j = 0; j < 80; j++)
                components.ComponentsTransposed[j * 5 + t].Should().Be(h[t * 80 + j]);
    }
}
