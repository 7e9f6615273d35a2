using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Blocks;
using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Tests.Engine.Blocks;

/// <summary>
/// What a streamed fit checks and keeps between passes: a later pass whose block holds pass 1's rows in another order
/// (the same sum) is refused naming the pass and the block, since W is kept by position; a cancellation seen once a
/// pass's last block is done commits that pass before it is honoured (OperationCanceledException), so that the next fit
/// resumes after it.
/// </summary>
public sealed class FitStreamedBetweenPassesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nmf-between-passes-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>The blocks of each pass (<see cref="OnPass"/>, or the same every pass); <see cref="OnBlock"/> runs before a block is handed out.</summary>
    private sealed class PassSource(IReadOnlyList<INmfMatrix> blocks, int columns) : INmfRowBlockSource
    {
        public int Columns => columns;
        public int Passes { get; private set; }
        public Func<int, IReadOnlyList<INmfMatrix>>? OnPass { get; init; }
        public Action<int, int>? OnBlock { get; init; }

        public IEnumerable<INmfMatrix> ReadBlocks()
        {
            Passes++;
            var pass = OnPass?.Invoke(Passes) ?? blocks;
            for (int b = 0; b < pass.Count; b++)
            {
                OnBlock?.Invoke(Passes, b);
                yield return pass[b];
            }
        }
    }

    /// <summary><paramref name="block"/> with rows <paramref name="a"/> and <paramref name="b"/> swapped, in the same storage.</summary>
    private static INmfMatrix SwapRows(INmfMatrix block, int a, int b)
    {
        var dense = TestData.AsDense(block);
        var values = dense.Values.ToArray();
        int n = dense.Columns;
        for (int j = 0; j < n; j++)
            (values[a * n + j], values[b * n + j]) = (values[b * n + j], values[a * n + j]);
        var swapped = new DenseMatrix(dense.Rows, n, values);
        return block is CsrMatrix ? swapped.ToCsr() : swapped;
    }

    [Theory]
    [InlineData(false, 1f)]
    [InlineData(true, 1f)]
    [InlineData(true, 1e25f)] // fitted rescaled: the fingerprint is of the values as read, so the check stays exact
    public void RowsSwappedWithinABlockInALaterPass_AreRefusedNamingThePassAndTheBlock(bool sparse, float magnitude)
    {
        // Pass 3 hands out block 1 with its rows 10 and 57 swapped: the same rows, the same sum, each row's W now read
        // for the other row. The per-block sum did not see it, and the fit went on with the features mixed up.
        var (dense, _) = TestData.Random(200, 20, 0.3, seed: 1);
        var x = new DenseMatrix(200, 20, dense.Values.ToArray().Select(v => v * magnitude).ToArray());
        var blocks = FitBlocksTests.Split(sparse ? x.ToCsr() : x, 100, 100);
        TestData.AsDense(blocks[1]).Row(10).ToArray().Should().NotEqual(TestData.AsDense(blocks[1]).Row(57).ToArray(), "the swap must change the block");
        var swapped = new[] { blocks[0], SwapRows(blocks[1], 10, 57) };
        var source = new PassSource(blocks, 20) { OnPass = pass => pass == 3 ? swapped : blocks };

        var act = () => NmfEngine.FitStreamed(source, new NmfFitOptions { Rank = 3, MaxIterations = 4, Tolerance = 0 }, new NmfStreamingOptions { MaxPasses = 5 });

        act.Should().Throw<InvalidOperationException>().WithMessage(
            "The data changed between passes: pass 3 gave block 1 (100 rows) with the sum pass 1 read there (*) but not the same values at the same rows and slots (rows handed out in another order, or values moved between them). A streamed fit needs the same rows in the same order on every pass: a source that orders or samples its rows anew on every read (a database query without ORDER BY, a random sample) must be saved once (e.g. mlContext.Data.SaveAsBinary) and the saved copy streamed.");
        source.Passes.Should().Be(3, "refused in the pass that differs");
    }

    [Fact]
    public void CancelledDuringTheLastBlockOfAPass_CommitsThePass_AndTheNextFitResumesAfterIt()
    {
        // The token is cancelled while pass 4's last block is handed out: the block's work is done, so the pass is committed
        // before the cancellation is honoured. Once the check after each block threw first and pass 4 was lost (the resume
        // restored pass 3 and read pass 4 again).
        var (_, x) = TestData.Random(300, 30, 0.2, seed: 4);
        var blocks = FitBlocksTests.Split(x, 100, 100, 100);
        var options = new NmfFitOptions { Rank = 4, MaxIterations = 8, Tolerance = 0, Seed = 2, DegreeOfParallelism = 1 };
        var reference = NmfEngine.FitStreamed(new PassSource(blocks, 30), options, new NmfStreamingOptions { MaxPasses = 20 });
        using var cancellation = new CancellationTokenSource();
        var reported = new List<int>();
        var cancelled = new PassSource(blocks, 30) { OnBlock = (pass, b) => { if (pass == 4 && b == 2) cancellation.Cancel(); } };

        var act = () => NmfEngine.FitStreamed(cancelled, options with { CancellationToken = cancellation.Token },
            new NmfStreamingOptions { MaxPasses = 20, CheckpointDirectory = _directory, PassCompleted = (pass, _, _) => reported.Add(pass) });

        act.Should().Throw<OperationCanceledException>().WithMessage("The operation was canceled.");
        reported.Should().Equal([1, 2, 3], "the cancellation is honoured once pass 4 is committed, before its callback");
        cancelled.Passes.Should().Be(4);
        var resumedReports = new List<(int Pass, long Rows)>();
        var again = new PassSource(blocks, 30);
        var resumed = NmfEngine.FitStreamed(again, options,
            new NmfStreamingOptions { MaxPasses = 20, CheckpointDirectory = _directory, PassCompleted = (pass, rows, _) => resumedReports.Add((pass, rows)) });
        resumedReports.Take(2).Should().Equal([(1, 300L), (4, 0L)], "the resumed fit restores pass 4");
        again.Passes.Should().Be(1 + reference.Passes - 4, "pass 1, then only the passes after 4");
        resumed.H.Values.ToArray().Should().Equal(reference.H.Values.ToArray());
        resumed.LossHistory.Should().Equal(reference.LossHistory);
        Directory.GetFiles(_directory).Should().BeEmpty();
    }
}
