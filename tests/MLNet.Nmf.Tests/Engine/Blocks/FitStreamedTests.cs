using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Blocks;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Tests.Engine.Support;

namespace MLNet.Nmf.Tests.Engine.Blocks;

/// <summary>
/// <see cref="NmfEngine.FitStreamed"/>: each pass after the first is one FitBlocks iteration on the same blocks,
/// with W kept on disk, so the components are FitBlocks' bit for bit and never depend on threads.
/// </summary>
public class FitStreamedTests
{
    /// <summary>Blocks handed out one pass at a time, counting passes; optionally different on a given pass.</summary>
    private sealed class ListSource(IReadOnlyList<INmfMatrix> blocks, int columns) : INmfRowBlockSource
    {
        public int Columns => columns;
        public int Passes { get; private set; }
        public Func<int, IReadOnlyList<INmfMatrix>>? OnPass { get; init; }

        public IEnumerable<INmfMatrix> ReadBlocks()
        {
            Passes++;
            foreach (var block in OnPass?.Invoke(Passes) ?? blocks)
                yield return block;
        }
    }

    [Theory]
    [InlineData(Storage.Sparse)]
    [InlineData(Storage.Dense)]
    public void FitStreamed_EqualsFitBlocks_BitForBit(Storage storage)
    {
        var (dense, sparse) = TestData.Random(1000, 90, 0.06, seed: 13);
        INmfMatrix x = storage == Storage.Sparse ? sparse : dense;
        var blocks = FitBlocksTests.Split(x, 300, 300, 300, 100);
        var options = new NmfFitOptions { Rank = 5, MaxIterations = 9, Tolerance = 0, Shuffle = true, Seed = 8, AlphaW = 0.0001, L1Ratio = 0.2 };

        var expected = NmfEngine.FitBlocks(blocks, options);
        var source = new ListSource(blocks, x.Columns);
        var streamed = NmfEngine.FitStreamed(source, options, new NmfStreamingOptions { MaxPasses = 50 });

        streamed.H.Values.ToArray().Should().Equal(expected.H.Values.ToArray());
        streamed.LossHistory.Should().Equal(expected.LossHistory);
        streamed.Iterations.Should().Be(9);
        streamed.Passes.Should().Be(10, "one counting pass, then one pass per iteration");
        source.Passes.Should().Be(10);
        streamed.RowsRead.Should().Be(10 * 1000);
        streamed.RelativeError.Should().BeApproximately(expected.RelativeError, 0.01 * expected.RelativeError,
            "the monitor's error (last pass's W) is close to the error of the projected W");
    }

    [Fact]
    public void FitStreamed_IsBitIdentical_With1And4Threads_AndStopsAtMaxPasses()
    {
        var x = TestData.TextTfidf(300);
        var blocks = FitBlocksTests.Split(x, 64, 64, 64, 64, 44);
        var options = new NmfFitOptions { Rank = 6, Seed = 2 };
        var streaming = new NmfStreamingOptions { MaxPasses = 6 };

        var one = NmfEngine.FitStreamed(new ListSource(blocks, x.Columns), options with { DegreeOfParallelism = 1 }, streaming);
        var four = NmfEngine.FitStreamed(new ListSource(blocks, x.Columns), options with { DegreeOfParallelism = 4 }, streaming);

        four.H.Values.ToArray().Should().Equal(one.H.Values.ToArray());
        four.LossHistory.Should().Equal(one.LossHistory);
        one.Passes.Should().Be(6);
        one.Iterations.Should().Be(5);
    }

    [Fact]
    public void FitStreamed_WarmStart_StartsFromTheGivenComponents()
    {
        var x = TestData.TextTfidf(300);
        var blocks = FitBlocksTests.Split(x, 100, 100, 100);
        var options = new NmfFitOptions { Rank = 6, Seed = 2 };
        var first = NmfEngine.FitStreamed(new ListSource(blocks, x.Columns), options, new NmfStreamingOptions { MaxPasses = 30 });

        var warm = NmfEngine.FitStreamed(new ListSource(blocks, x.Columns), options, new NmfStreamingOptions { MaxPasses = 3, InitialComponents = first.H });
        var cold = NmfEngine.FitStreamed(new ListSource(blocks, x.Columns), options, new NmfStreamingOptions { MaxPasses = 3 });

        warm.LossHistory[0].Should().BeLessThan(cold.LossHistory[0] * 0.9, "projected features on fitted components start far better than a random start");
        warm.LossHistory[0].Should().BeLessThanOrEqualTo(first.LossHistory[^1] * 1.001, "the projection is the best W for those components");
        warm.RelativeError.Should().BeLessThan(cold.RelativeError);
    }

    [Fact]
    public void FitStreamed_DataChangingBetweenPasses_ThrowsNamingThePass()
    {
        var (_, x) = TestData.Random(200, 20, 0.3, seed: 1);
        var blocks = FitBlocksTests.Split(x, 100, 100);
        var source = new ListSource(blocks, 20) { OnPass = pass => pass == 3 ? new[] { blocks[0] } : blocks };
        var act = () => NmfEngine.FitStreamed(source, new NmfFitOptions { Rank = 3 }, new NmfStreamingOptions { MaxPasses = 5 });
        act.Should().Throw<InvalidOperationException>().WithMessage("The data changed between passes: pass 3 gave 1 blocks (100 rows) where pass 1 gave 2 (200 rows)*");
    }

    [Fact]
    public void FitStreamed_MoreBlocksInALaterPass_ThrowsNamingThePassAndTheBlocksOfPass1()
    {
        // Once: "pass 3 gave block 2 with 100 rows x 20 where pass 1 gave 0 x 20", as if pass 1 had an empty block 2.
        var (_, x) = TestData.Random(200, 20, 0.3, seed: 1);
        var blocks = FitBlocksTests.Split(x, 100, 100);
        var source = new ListSource(blocks, 20) { OnPass = pass => pass == 3 ? new[] { blocks[0], blocks[1], blocks[0] } : blocks };
        var act = () => NmfEngine.FitStreamed(source, new NmfFitOptions { Rank = 3 }, new NmfStreamingOptions { MaxPasses = 5 });
        act.Should().Throw<InvalidOperationException>().WithMessage("The data changed between passes: pass 3 gave more than the 2 blocks (200 rows) pass 1 gave (block 2, of 100 rows x 20). A streamed fit needs the same rows in the same order on every pass.");
    }

    [Theory]
    [InlineData(1f)]
    [InlineData(1e25f)] // fitted rescaled: the later pass's block is compared within 1e-6 of pass 1's sum, scaled
    public void FitStreamed_OtherValuesInALaterPass_ThrowNamingTheBlock_WhileDenseForSparseBlocksFit(float magnitude)
    {
        var (dense, _) = TestData.Random(200, 20, 0.3, seed: 1);
        var values = dense.Values.ToArray().Select(v => v * magnitude).ToArray();
        var x = new DenseMatrix(200, 20, values);
        var blocks = FitBlocksTests.Split(x, 100, 100);
        var sparse = blocks.Select(b => (INmfMatrix)((DenseMatrix)b).ToCsr()).ToArray();
        var changed = (float[])values.Clone();
        int at = Array.FindIndex(changed, 2000, v => v > 0);
        changed[at] *= 1.001f;
        var other = FitBlocksTests.Split(new DenseMatrix(200, 20, changed), 100, 100);
        var options = new NmfFitOptions { Rank = 3, MaxIterations = 4, Tolerance = 0 };

        // The same values as CSR blocks from pass 2 on: the same sums, no refusal.
        var reference = NmfEngine.FitStreamed(new ListSource(blocks, 20), options, new NmfStreamingOptions { MaxPasses = 5 });
        var mixed = NmfEngine.FitStreamed(new ListSource(blocks, 20) { OnPass = pass => pass >= 2 ? sparse : blocks }, options, new NmfStreamingOptions { MaxPasses = 5 });
        mixed.Iterations.Should().Be(reference.Iterations);

        var act = () => NmfEngine.FitStreamed(new ListSource(blocks, 20) { OnPass = pass => pass == 3 ? other : blocks }, options, new NmfStreamingOptions { MaxPasses = 5 });
        act.Should().Throw<InvalidOperationException>().WithMessage("The data changed between passes: pass 3 gave block 1 (100 rows) with other values than pass 1 (sum * where pass 1 read *)*");
    }

    [Theory]
    [InlineData("MaxIterations", "MaxIterations must be at least 1.*")]
    [InlineData("Tolerance", "Tolerance must be a finite number >= 0*")]
    [InlineData("AlphaW", "AlphaW must be a number in ?0, *")]
    [InlineData("Rank", "Rank 21 is above the number of features (20)*")]
    public void FitStreamed_OptionOutOfRange_ThrowsBeforeReading(string option, string message)
    {
        // Once refused only after the counting pass, which over data larger than memory can take hours (and after the
        // checkpoint directory had been made).
        var (_, x) = TestData.Random(50, 20, 0.3, seed: 1);
        var source = new ListSource(new[] { x }, 20);
        var options = option switch
        {
            "MaxIterations" => new NmfFitOptions { Rank = 3, MaxIterations = 0 },
            "Tolerance" => new NmfFitOptions { Rank = 3, Tolerance = double.NaN },
            "AlphaW" => new NmfFitOptions { Rank = 3, AlphaW = -1 },
            _ => new NmfFitOptions { Rank = 21 },
        };
        var act = () => NmfEngine.FitStreamed(source, options);
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage(message).Which.ParamName.Should().Be(option == "Rank" ? "Rank" : option);
        source.Passes.Should().Be(0, "option errors come before any row is read");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FitStreamed_FeatureDirectoryMissingOrAFile_ThrowsNamingItBeforeReading(bool isFile)
    {
        // Once: DirectoryNotFoundException "Could not find a part of the path '.../mlnet-nmf-features-<guid>.bin'" after the counting pass.
        string parent = Directory.CreateTempSubdirectory("nmf-features-").FullName;
        try
        {
            string directory = Path.Combine(parent, "w");
            if (isFile)
                File.WriteAllText(directory, "not a directory");
            var (_, x) = TestData.Random(50, 20, 0.3, seed: 1);
            var source = new ListSource(new[] { x }, 20);
            var act = () => NmfEngine.FitStreamed(source, new NmfFitOptions { Rank = 3 }, new NmfStreamingOptions { FeatureDirectory = directory });
            act.Should().Throw<ArgumentException>()
                .WithMessage(isFile
                    ? $"FeatureDirectory '{directory}' is a file, not a directory; give an existing directory for W's temporary file, or null for the system's temporary folder.*"
                    : $"FeatureDirectory '{directory}' does not exist; give an existing directory for W's temporary file, or null for the system's temporary folder.*")
                .Which.ParamName.Should().Be("FeatureDirectory");
            source.Passes.Should().Be(0, "option errors come before any row is read");
        }
        finally
        {
            Directory.Delete(parent, recursive: true);
        }
    }

    [Fact]
    public void FitStreamed_SvdStart_ThrowsBeforeReading()
    {
        var (_, x) = TestData.Random(50, 20, 0.3, seed: 1);
        var source = new ListSource(new[] { x }, 20);
        var act = () => NmfEngine.FitStreamed(source, new NmfFitOptions { Rank = 3, Initialization = NmfInitialization.Nndsvd });
        act.Should().Throw<ArgumentException>().WithMessage("Initialization Nndsvd needs the whole matrix at once*").Which.ParamName.Should().Be("Initialization");
        source.Passes.Should().Be(0, "option errors come before any row is read");
    }
}
