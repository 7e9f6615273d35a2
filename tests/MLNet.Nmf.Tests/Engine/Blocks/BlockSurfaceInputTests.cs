using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Blocks;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Solvers;

namespace MLNet.Nmf.Tests.Engine.Blocks;

/// <summary>
/// The public block types a driver of its own (a cluster, a file format) builds from numbers it received or computed:
/// a NaN, infinity or impossible size among them is refused, named, instead of being fitted into NaN components.
/// </summary>
public class BlockSurfaceInputTests
{
    private const int Rank = 3, Columns = 10, Rows = 50;

    [Fact]
    public void Statistics_WithANaNCrossProduct_AreRefusedNamingTheEntry()
    {
        // Statistics "received from another machine" with one NaN: NmfComponentState.Update fitted NaN components.
        var (state, step, features) = Started();
        var good = step.Update(features, state.NextStep());
        var cross = good.CrossProduct;
        cross[4] = double.NaN;

        var act = () => new NmfBlockStatistics(Rank, Columns, good.Rows, good.Gram, cross, good.Violation, good.DataSquaredNorm, good.FeatureSum, good.FeatureSquares);

        act.Should().Throw<ArgumentException>()
            .WithMessage("crossProduct holds NaN at row 1, column 1; block statistics must be finite*")
            .Which.ParamName.Should().Be("crossProduct");
        state.ComponentsTransposed.Take(Columns * Rank).Should().OnlyContain(v => float.IsFinite(v));
    }

    [Theory]
    [InlineData("gram")]
    [InlineData("rows")]
    [InlineData("violation")]
    [InlineData("dataSquaredNorm")]
    [InlineData("featureSum")]
    [InlineData("featureSquares")]
    public void Statistics_WithAnImpossiblePart_AreRefusedNamingIt(string part)
    {
        var gram = new double[Rank * Rank];
        if (part == "gram")
            gram[5] = double.PositiveInfinity;
        var act = () => new NmfBlockStatistics(Rank, Columns, part == "rows" ? -1 : Rows, gram, new double[Columns * Rank],
            part == "violation" ? double.NaN : 0, part == "dataSquaredNorm" ? -1 : 1, part == "featureSum" ? double.NaN : 0,
            part == "featureSquares" ? double.PositiveInfinity : 0);

        act.Should().Throw<ArgumentException>().Which.ParamName.Should().Be(part);
    }

    [Theory]
    [InlineData(double.NaN, 10L, "sum")]
    [InlineData(-1.0, 10L, "sum")]
    [InlineData(5.0, 0L, "rows")]
    public void RandomScale_OfImpossibleTotals_IsRefused(double sum, long rows, string name)
    {
        // Was NaN (negative or NaN sum) or infinity (no rows): a random start of NaN or infinite factors.
        var act = () => NmfBlockStart.RandomScale(sum, rows, Columns, Rank);

        act.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be(name);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(-0.5)]
    public void RandomStart_WithAnImpossibleScale_IsRefused(double scale)
    {
        var components = () => NmfBlockStart.RandomComponents(1, Rank, Columns, scale);
        var features = () => NmfBlockStart.RandomFeatures(1, Rank, Columns, 0, Rows, scale);

        components.Should().Throw<ArgumentOutOfRangeException>().WithMessage("scale must be a finite number >= 0*").Which.ParamName.Should().Be("scale");
        features.Should().Throw<ArgumentOutOfRangeException>().WithMessage("scale must be a finite number >= 0*").Which.ParamName.Should().Be("scale");
    }

    [Fact]
    public void BlockScale_OfTheLargestValueOfABlockWithMissingEntries_IsRefused()
    {
        // Largest of a block built with NmfMissingValues.Ignore is NaN; For(NaN) gave an exponent of int.MaxValue.
        var block = new DenseMatrix(2, 2, new[] { 1f, float.NaN, 2f, 3f }, NmfMissingValues.Ignore);

        var act = () => NmfBlockScale.For(NmfBlockScale.Largest(block), 14, new NmfFitOptions());

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("largest (the data's largest value) must be a finite number >= 0*").Which.ParamName.Should().Be("largest");
    }

    [Theory]
    [InlineData(int.MinValue, 0, "exponent")]
    [InlineData(10, int.MinValue, "componentsExponent")]
    public void BlockScale_FromExponentsOfIntMinValue_IsOutOfRange_NotAnOverflow(int exponent, int componentsExponent, string name)
    {
        // Math.Abs(int.MinValue) threw OverflowException ("Negating the minimum value of a twos complement number is invalid").
        var act = () => NmfBlockScale.FromExponents(exponent, componentsExponent);

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage($"{name} must be in [-300, 300]*").Which.ParamName.Should().Be(name);
    }

    [Fact]
    public void BlockScale_OfAnotherMatrixType_IsRefusedNamingIt()
    {
        // DataScale.Largest cast any non-dense matrix to CsrMatrix: InvalidCastException.
        var act = () => NmfBlockScale.Largest(new OtherMatrix());

        act.Should().Throw<ArgumentException>().WithMessage("Unsupported matrix type OtherMatrix; use DenseMatrix or CsrMatrix.*").Which.ParamName.Should().Be("block");
    }

    [Theory]
    [InlineData(double.NaN, 1.0, "The checkpoint's FirstViolation is NaN; it must be a finite number >= 0*")]
    [InlineData(-1.0, 1.0, "The checkpoint's FirstViolation is -1; it must be a finite number >= 0*")]
    [InlineData(1.0, double.PositiveInfinity, "The checkpoint's LossHistory holds Infinity at 1; objectives must be finite*")]
    public void Resume_FromADamagedCheckpoint_IsRefused(double firstViolation, double loss, string message)
    {
        // A NaN first violation never met the stopping rule: the resumed fit ran to MaxIterations, reporting no error.
        var checkpoint = new NmfComponentCheckpoint(1, firstViolation, false, new[] { 10.0, loss });

        var act = () => NmfComponentState.Resume(NmfBlockStart.RandomComponents(1, Rank, Columns, 0.5), Columns, Rows, 100,
            new NmfFitOptions { Rank = Rank }, checkpoint);

        act.Should().Throw<ArgumentException>().WithMessage(message).Which.ParamName.Should().Be("checkpoint");
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(-100f)]
    public void Step_OfFeaturesWithANaNOrNegativeValue_IsRefusedNamingRowAndComponent(float bad)
    {
        // W_b is the owner's between steps: a NaN in it was swept into NaN components, a negative value into negative features.
        var (state, step, features) = Started();
        features[1 * Rank + 2] = bad;

        var update = () => step.Update(features, state.NextStep());
        var measure = () => step.Measure(features, Rank, state.PenaltyW);

        string message = FormattableString.Invariant($"features holds {bad} at row 1, component 2; W_b must be finite and non-negative.*");
        update.Should().Throw<ArgumentException>().WithMessage(message).Which.ParamName.Should().Be("features");
        measure.Should().Throw<ArgumentException>().WithMessage(message).Which.ParamName.Should().Be("features");
    }

    [Theory]
    [InlineData("componentsTransposed")]
    [InlineData("componentsGram")]
    [InlineData("penaltyW")]
    public void StepInput_WithANaN_IsRefusedNamingIt(string part)
    {
        // An input received from elsewhere with a NaN was swept into NaN features without any error.
        var (state, _, _) = Started();
        var ht = (float[])state.ComponentsTransposed.Clone();
        var gram = (double[])state.ComponentsGram.Clone();
        if (part == "componentsTransposed")
            ht[5] = float.NaN;
        if (part == "componentsGram")
            gram[4] = double.NaN;
        var penalty = part == "penaltyW" ? new Penalty(double.NaN, 0) : state.PenaltyW;

        var act = () => new NmfBlockStepInput(Rank, Columns, ht, gram, penalty, new[] { 0, 1, 2 }, 1);

        act.Should().Throw<ArgumentException>().Which.ParamName.Should().Be(part);
    }

    private sealed class OtherMatrix : INmfMatrix
    {
        public int Rows => 1;
        public int Columns => 1;
        public long StoredCount => 1;
    }

    private static (NmfComponentState State, NmfBlockStep Step, float[] Features) Started()
    {
        var random = new Random(3);
        var x = new DenseMatrix(Rows, Columns, Enumerable.Range(0, Rows * Columns).Select(_ => (float)random.NextDouble()).ToArray());
        var step = new NmfBlockStep(x);
        double scale = NmfBlockStart.RandomScale(step.Sum, Rows, Columns, Rank);
        var state = new NmfComponentState(NmfBlockStart.RandomComponents(1, Rank, Columns, scale), Columns, Rows, step.NonZeroCount,
            new NmfFitOptions { Rank = Rank, DegreeOfParallelism = 1 });
        var features = NmfBlockStart.RandomFeatures(1, Rank, Columns, 0, Rows, scale);
        state.Start(step.Measure(features, Rank, state.PenaltyW));
        return (state, step, features);
    }
}
