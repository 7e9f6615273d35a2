using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Blocks;

namespace MLNet.Nmf.Tests.Engine.Blocks;

/// <summary>
/// <see cref="NmfComponentState"/> is public (drivers of block-wise fits, such as the cluster's coordinator, build it):
/// it refuses the options <see cref="NmfEngine.Fit"/> refuses and components it would fit into NaN or negative
/// factors, naming them, instead of passing them on to the sweeps.
/// </summary>
public class ComponentStateInputTests
{
    private const int Columns = 6, Rows = 10, Rank = 2;

    private static float[] Components() => NmfBlockStart.RandomComponents(1, Rank, Columns, 0.5);

    public static IEnumerable<object[]> BadOptions() => new (NmfFitOptions Options, string Name)[]
    {
        (new NmfFitOptions { Rank = Rank, AlphaW = double.NaN }, "AlphaW"),
        (new NmfFitOptions { Rank = Rank, AlphaH = -1 }, "AlphaH"),
        (new NmfFitOptions { Rank = Rank, L1Ratio = 2 }, "L1Ratio"),
        (new NmfFitOptions { Rank = Rank, Tolerance = double.NaN }, "Tolerance"),
        (new NmfFitOptions { Rank = Rank, DegreeOfParallelism = 0 }, "DegreeOfParallelism"),
    }.Select(c => new object[] { c.Options, c.Name });

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void OptionThatTheFitRefuses_IsRefused_NamingIt(NmfFitOptions options, string name)
    {
        var act = () => new NmfComponentState(Components(), Columns, Rows, 30, options);
        act.Should().Throw<ArgumentException>().Which.ParamName.Should().Be(name);
    }

    [Theory]
    [InlineData(float.NaN, 7)]
    [InlineData(-0.5f, 0)]
    [InlineData(float.PositiveInfinity, 11)]
    public void ComponentThatIsNotFiniteAndNonNegative_IsRefused_NamingFeatureAndComponent(float value, int index)
    {
        var components = Components();
        components[index] = value;
        var act = () => new NmfComponentState(components, Columns, Rows, 30, new NmfFitOptions { Rank = Rank });
        act.Should().Throw<ArgumentException>().Where(e => e.ParamName == "componentsTransposed"
            && e.Message.Contains($"at feature {index / Rank}, component {index % Rank}"));
    }

    [Fact]
    public void ValidComponents_AndOptions_AreTaken()
    {
        var state = new NmfComponentState(Components(), Columns, Rows, 30, new NmfFitOptions { Rank = Rank, AlphaW = 0.1, L1Ratio = 0.5 });
        state.Rank.Should().Be(Rank);
        state.ComponentsTransposed.Take(Columns * Rank).Should().OnlyContain(v => v >= 0 && float.IsFinite(v));
    }
}
