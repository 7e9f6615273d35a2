using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Blocks;
using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Tests.Engine.Blocks;

/// <summary>
/// <see cref="NmfEngine.FitStreamed"/> with sources that misbehave the ways a user's <see cref="INmfRowBlockSource"/>
/// can (a NaN in a later pass, null where a block or pass is due), and with warm starts <see cref="NmfEngine.Fit"/>
/// would refuse as a custom start: each is refused, by name, instead of fitted into NaN or zero components.
/// </summary>
public class FitStreamedInputTests
{
    private sealed class Source(int columns, Func<int, IEnumerable<INmfMatrix>?> pass) : INmfRowBlockSource
    {
        public int Passes { get; private set; }

        public int Columns => columns;

        public IEnumerable<INmfMatrix> ReadBlocks() => pass(++Passes)!;
    }

    private static readonly NmfFitOptions Options = new() { Rank = 2, MaxIterations = 4, Tolerance = 0 };

    private static DenseMatrix Block(int rows, float offset, bool missing = false)
    {
        var values = new float[rows * 4];
        for (int i = 0; i < values.Length; i++)
            values[i] = 1 + (i * 7 + offset) % 5;
        if (missing)
            values[5] = float.NaN;
        return new DenseMatrix(rows, 4, values, missing ? NmfMissingValues.Ignore : NmfMissingValues.Error);
    }

    [Fact]
    public void MissingEntryInALaterPass_IsRefused_NotFittedIntoNaNComponents()
    {
        // A block built with NmfMissingValues.Ignore that carries a NaN from pass 2 on: every pass must refuse it, not
        // only the counting pass (once, only pass 1 checked, and the fit returned H all NaN with RelativeError 0).
        var source = new Source(4, pass => new INmfMatrix[] { Block(3, 0), Block(2, 1, missing: pass >= 2) });

        var fit = () => NmfEngine.FitStreamed(source, Options);

        // Named by its row in the whole data (the second block starts at row 3), not its row within the block.
        fit.Should().Throw<ArgumentException>().WithMessage("*NaN (NaN) at row 4, column 1*");
    }

    [Theory]
    [InlineData(true)]  // ReadBlocks returns null (once: NullReferenceException in the driver)
    [InlineData(false)] // a pass hands out a null block (once: ArgumentNullException "(Parameter 'matrix')")
    public void SourceHandingOutNull_IsRefusedNamingTheSource(bool nullPass)
    {
        var source = new Source(4, _ => nullPass ? null : new INmfMatrix[] { Block(3, 0), null!, Block(2, 1) });

        var fit = () => NmfEngine.FitStreamed(source, Options);

        fit.Should().Throw<InvalidOperationException>().WithMessage(nullPass ? "*ReadBlocks*null*" : "*block 1 is null*");
    }

    [Theory]
    [InlineData(false, "InitialComponents is all zeros*")] // once: fitted silently to all-zero components
    [InlineData(true, "InitialComponents has NaN (NaN) at row 0, column 1; a custom start must be finite and non-negative everywhere (it has no missing entries)*")] // once: OverflowException "... Scale the row down ..."
    public void WarmStartComponents_AreCheckedLikeACustomStart(bool withNaN, string message)
    {
        // NmfEngine.Fit refuses such an InitialH ("InitialH is all zeros ...", "... NaN ..."); the streamed warm start
        // applies the same checks to InitialComponents.
        var values = withNaN ? new float[] { 1, float.NaN, 0, 1, 0, 1, 1, 0 } : new float[8];
        var streaming = new NmfStreamingOptions { InitialComponents = new DenseMatrix(2, 4, values, NmfMissingValues.Ignore) };

        var fit = () => NmfEngine.FitStreamed(new Source(4, _ => new INmfMatrix[] { Block(3, 0) }), Options, streaming);

        fit.Should().Throw<ArgumentException>().Where(e => e.ParamName == "InitialComponents").WithMessage(message);
    }

    [Fact]
    public void InitialH_InsteadOfInitialComponents_IsRefusedPointingToTheWarmStart()
    {
        // InitialH with Initialization Auto was ignored: the streamed fit started from Random with no word.
        var source = new Source(4, _ => new INmfMatrix[] { Block(3, 0) });
        var h = new DenseMatrix(2, 4, new[] { 1f, 1f, 0f, 0f, 0f, 0f, 1f, 1f });

        var act = () => NmfEngine.FitStreamed(source, Options with { InitialH = h });

        act.Should().Throw<ArgumentException>()
            .WithMessage("InitialH is given, but a streamed fit does not start from InitialW or InitialH (it would ignore them). Give the components to start from as NmfStreamingOptions.InitialComponents*")
            .Which.ParamName.Should().Be("Initialization");
        source.Passes.Should().Be(0, "the options are refused before any row is read");
    }
}
