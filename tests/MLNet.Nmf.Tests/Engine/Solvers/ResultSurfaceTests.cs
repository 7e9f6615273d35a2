using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Blocks;
using MLNet.Nmf.Tests.Engine.Blocks;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Tests.Engine.Support;

namespace MLNet.Nmf.Tests.Engine.Solvers;

/// <summary>
/// What a result hands out stays what the fit produced: its loss history cannot be changed through a cast, and nothing
/// it returns shares memory with the pooled work buffers (<c>Memory.BufferPool</c>) that a later fit rents and overwrites.
/// </summary>
public class ResultSurfaceTests
{
    /// <summary>
    /// The history was the solver's double[] itself: <c>((double[])result.LossHistory)[0] = ...</c> (or any write through
    /// IList&lt;double&gt;) changed what the result reports.
    /// </summary>
    private static void ShouldNotBeWritable(IReadOnlyList<double> history)
    {
        var before = history.ToArray();
        (history as double[]).Should().BeNull("a cast must not reach the array the result reports");
        (history as List<double>).Should().BeNull("a cast must not reach the list the result reports");
        var list = history.Should().BeAssignableTo<IList<double>>().Subject;
        list.IsReadOnly.Should().BeTrue();
        var write = () => list[0] = -1;
        write.Should().Throw<NotSupportedException>().WithMessage("Collection is read-only.");
        var add = () => list.Add(-1);
        add.Should().Throw<NotSupportedException>().WithMessage("Collection is read-only.");
        history.Should().Equal(before);
    }

    [Theory]
    [MemberData(nameof(SolverCases.Solvers), MemberType = typeof(SolverCases))]
    public void Fit_LossHistory_CannotBeChangedThroughACast(NmfSolver solver, NmfLoss loss)
    {
        var result = NmfEngine.Fit(TestData.Digits(60), new NmfFitOptions { Solver = solver, Loss = loss, Rank = 3, MaxIterations = 4 });
        ShouldNotBeWritable(result.LossHistory);
    }

    [Fact]
    public void FitWithMissingValues_FitBlocks_FitStreamed_AndTheComponentState_LossHistories_CannotBeChangedThroughACast()
    {
        var digits = TestData.Digits(60);
        var values = digits.Values.ToArray();
        values[3] = float.NaN;
        var masked = NmfEngine.Fit(new DenseMatrix(60, 64, values, NmfMissingValues.Ignore),
            new NmfFitOptions { Rank = 3, MaxIterations = 4, MissingValues = NmfMissingValues.Ignore });
        ShouldNotBeWritable(masked.LossHistory);

        var blocks = new INmfMatrix[] { TestData.Digits(30), TestData.Digits(60) };
        ShouldNotBeWritable(NmfEngine.FitBlocks(blocks, new NmfFitOptions { Rank = 3, MaxIterations = 4 }).LossHistory);
        ShouldNotBeWritable(NmfEngine.FitStreamed(new Source(blocks), new NmfFitOptions { Rank = 3, MaxIterations = 4 }).LossHistory);

        var state = new NmfComponentState(new float[64 * 3 + 8].Select((_, i) => i < 64 * 3 ? 0.5f : 0f).ToArray(), 64, 60, 60 * 64, new NmfFitOptions { Rank = 3 });
        var step = new NmfBlockStep(digits);
        state.Start(step.Measure(step.CreateFeatures(3), 3, state.PenaltyW));
        ShouldNotBeWritable(state.LossHistory);
        state.LossHistory.Should().HaveCount(1, "the start only: nothing could add to the state's own list");
    }

    private sealed class Source(IReadOnlyList<INmfMatrix> blocks) : INmfRowBlockSource
    {
        public int Columns => blocks[0].Columns;
        public IEnumerable<INmfMatrix> ReadBlocks() => blocks;
    }

    // 3000 x 120 at rank 24: W (72,000 floats), Xᵀ and the work products are above the pool's minimum (65,536 floats),
    // so the second fit rents exactly the buffers the first gave back.
    private const int Rows = 3000, Columns = 120, Rank = 24;

    private static INmfMatrix Data(Storage storage, int seed)
    {
        var (dense, sparse) = TestData.Random(Rows, Columns, 0.3, seed);
        return storage == Storage.Sparse ? sparse : dense;
    }

    private sealed record Snapshot(float[] W, float[] H, double[] History, float[] Transformed);

    private static Snapshot Take(NmfResult result, INmfMatrix x) =>
        new(result.W.Values.ToArray(), result.H.Values.ToArray(), result.LossHistory.ToArray(), result.Projector.Transform(x).Values.ToArray());

    private static void ShouldBeUnchanged(NmfResult result, Snapshot snapshot, string because)
    {
        result.W.Values.SequenceEqual(snapshot.W).Should().BeTrue($"W {because}");
        result.H.Values.SequenceEqual(snapshot.H).Should().BeTrue($"H {because}");
        result.LossHistory.Should().Equal(snapshot.History, because);
    }

    public static IEnumerable<object[]> SolversAndStorage() =>
        from c in SolverCases.All from s in new[] { Storage.Dense, Storage.Sparse } select new object[] { c.Solver, c.Loss, s };

    [Theory]
    [MemberData(nameof(SolversAndStorage))]
    public void Fit_Result_And_ItsTransform_DoNotChange_WhenALaterFitRuns(NmfSolver solver, NmfLoss loss, Storage storage)
    {
        var options = new NmfFitOptions { Solver = solver, Loss = loss, Rank = Rank, MaxIterations = 3, DegreeOfParallelism = 2 };
        var x1 = Data(storage, 1);
        var first = NmfEngine.Fit(x1, options);
        var transformed = first.Projector.Transform(x1);
        var snapshot = Take(first, x1);

        var x2 = Data(storage, 2);
        var second = NmfEngine.Fit(x2, options with { Seed = 9 });
        second.Projector.Transform(x2);

        ShouldBeUnchanged(first, snapshot, "of fit 1 after fit 2 ran");
        transformed.Values.SequenceEqual(snapshot.Transformed).Should().BeTrue("fit 1's Transform output after fit 2 ran");
        first.Projector.Transform(x1).Values.SequenceEqual(snapshot.Transformed).Should().BeTrue("fit 1's projector after fit 2 ran");
    }

    [Fact]
    public void FitWithMissingValues_FitBlocks_AndFitStreamed_Results_DoNotChange_WhenLaterFitsRun()
    {
        var options = new NmfFitOptions { Rank = Rank, MaxIterations = 3, DegreeOfParallelism = 2 };
        var x1 = (DenseMatrix)Data(Storage.Dense, 3);
        var values = x1.Values.ToArray();
        values[7] = float.NaN;
        var withMissing = new DenseMatrix(Rows, Columns, values, NmfMissingValues.Ignore);
        var masked = NmfEngine.Fit(withMissing, options with { MissingValues = NmfMissingValues.Ignore });
        var maskedSnapshot = Take(masked, withMissing);

        var blocks = FitBlocksTests.Split(x1, 1000, 2000);
        var blockFit = NmfEngine.FitBlocks(blocks, options);
        var blockSnapshot = Take(blockFit, x1);

        var streamed = NmfEngine.FitStreamed(new Source(blocks), options with { MaxIterations = 2 });
        var streamedH = streamed.H.Values.ToArray();
        var streamedHistory = streamed.LossHistory.ToArray();
        var streamedTransform = streamed.Projector.Transform(x1).Values.ToArray();

        var x2 = Data(Storage.Sparse, 4);
        NmfEngine.Fit(x2, options with { Seed = 5 }).Projector.Transform(x2);
        NmfEngine.FitBlocks(FitBlocksTests.Split(x2, 1000, 2000), options with { Seed = 6 });
        NmfEngine.FitStreamed(new Source(FitBlocksTests.Split(x2, 1500, 1500)), options with { Seed = 7, MaxIterations = 2 });
        NmfEngine.Fit(x2, options with { Seed = 8, MissingValues = NmfMissingValues.Ignore });

        ShouldBeUnchanged(masked, maskedSnapshot, "of the fit with missing values after later fits");
        masked.Projector.Transform(withMissing).Values.SequenceEqual(maskedSnapshot.Transformed).Should().BeTrue();
        ShouldBeUnchanged(blockFit, blockSnapshot, "of FitBlocks after later fits");
        blockFit.Projector.Transform(x1).Values.SequenceEqual(blockSnapshot.Transformed).Should().BeTrue();
        streamed.H.Values.SequenceEqual(streamedH).Should().BeTrue("FitStreamed's H after later fits");
        streamed.LossHistory.Should().Equal(streamedHistory);
        streamed.Projector.Transform(x1).Values.SequenceEqual(streamedTransform).Should().BeTrue();
    }
}
