using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Tests.MLNet;

/// <summary>
/// FitMode Streamed meets the input the in-memory fit meets, and answers as it does: the same errors naming the
/// column (and row), the same refusal of a rank that cannot be held, the same warning, the same checks of a warm
/// start, and the same rescaling of data of extreme magnitude. Each was found different by probing.
/// </summary>
public class StreamedFitInputTests
{
    private sealed class DenseRow
    {
        [VectorType(4)] public float[] Values { get; set; } = Array.Empty<float>();
    }

    private sealed class SparseRow
    {
        [VectorType(6)] public VBuffer<float> Values { get; set; }
    }

    private static NmfOptions Streamed(int blockSize = 5, int rank = 2) => new()
    {
        OutputColumnName = "Topics", InputColumnName = "Values", Rank = rank, Seed = 5, FitMode = NmfFitMode.Streamed, BlockSize = blockSize,
        MaximumIterations = 8, Tolerance = 0, MaximumPasses = 9,
    };

    [Fact]
    public void Streamed_AllZeroColumn_ThrowsLikeTheInMemoryReader_NamingTheColumn()
    {
        // The in-memory reader says "Column 'Values' is all zeros in the training data" (InvalidOperationException, as
        // the estimator's Fit documents); the streamed fit once threw the engine's ArgumentException "X is all zeros ... (Parameter 'x')".
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 10).Select(_ => new DenseRow { Values = new float[4] }));

        var fit = () => ml.Transforms.NonNegativeMatrixFactorization(Streamed()).Fit(data);

        fit.Should().Throw<InvalidOperationException>().WithMessage("*Column 'Values' is all zeros*");
    }

    [Fact]
    public void Streamed_OnDataThatCanBeReadOnlyOnce_SaysTheDataChangedBetweenPasses_NotThatItHasNoRows()
    {
        // An IEnumerable that yields its rows once (a forward-only reader) gave pass 1 its 50 rows and pass 2 none, and the
        // fit said "The training data has no rows in column 'Values'", which the user can see is false.
        var ml = new MLContext(seed: 1);
        using var rows = Enumerable.Range(0, 50).Select(i => new DenseRow { Values = [1 + i % 3, i % 5, 2, 1] }).GetEnumerator();
        IEnumerable<DenseRow> ReadOnce()
        {
            while (rows.MoveNext())
                yield return rows.Current;
        }

        var fit = () => ml.Transforms.NonNegativeMatrixFactorization(Streamed(blockSize: 10)).Fit(ml.Data.LoadFromEnumerable(ReadOnce()));

        fit.Should().Throw<InvalidOperationException>().WithMessage("The data of column 'Values' changed between passes: pass 2 gave 0 blocks (0 rows) where pass 1 gave 5 (50 rows). A streamed fit needs the same rows in the same order on every pass.*");
    }

    [Fact]
    public void Streamed_OnRowsInAnotherOrderEveryPass_IsRefused_NotFittedWithEachRowsFeaturesMixedUp()
    {
        // A source read anew on every pass whose order is not fixed (a database query without ORDER BY, a directory listing):
        // the same counts every pass, other rows in each block. The streamed fit keeps each row's W on disk by position, so
        // it once fitted silently with the features of other rows.
        var ml = new MLContext(seed: 1);
        int passes = 0;
        IEnumerable<DenseRow> Query()
        {
            int start = 7 * passes++;
            for (int i = 0; i < 60; i++)
            {
                int r = (start + i) % 60;
                yield return new DenseRow { Values = [1 + r % 7, r % 3, 2 + r % 5, r % 11] };
            }
        }

        var fit = () => ml.Transforms.NonNegativeMatrixFactorization(Streamed(blockSize: 20)).Fit(ml.Data.LoadFromEnumerable(Query()));

        fit.Should().Throw<InvalidOperationException>().WithMessage(
            "The data of column 'Values' changed between passes: pass 2 gave block 0 (20 rows) with other values than pass 1 (sum * where pass 1 read *). A streamed fit needs the same rows in the same order on every pass: a source that orders or samples its rows anew on every read (a database query without ORDER BY, a random sample) must be saved once (e.g. mlContext.Data.SaveAsBinary) and the saved copy streamed.");
        passes.Should().Be(2, "refused in the first pass that differs");
    }

    [Fact]
    public void Streamed_OnRowsInAnotherOrderWithinEachBlock_IsRefusedNamingTheColumnThePassAndTheBlock()
    {
        // A source that hands out each block's rows in another order on a later pass keeps every block's sum, which was all
        // a later pass was checked against; and the engine's "data changed" error did not name the ML.NET column.
        var ml = new MLContext(seed: 1);
        int passes = 0;
        IEnumerable<DenseRow> Query()
        {
            bool reversed = passes++ >= 2; // pass 3 on: the rows of each block of 20 in reverse
            for (int i = 0; i < 60; i++)
            {
                int r = reversed ? 20 * (i / 20) + 19 - i % 20 : i;
                yield return new DenseRow { Values = [1 + r % 7, r % 3, 2 + r % 5, r % 11] };
            }
        }

        var fit = () => ml.Transforms.NonNegativeMatrixFactorization(Streamed(blockSize: 20)).Fit(ml.Data.LoadFromEnumerable(Query()));

        fit.Should().Throw<InvalidOperationException>().WithMessage(
            "The data of column 'Values' changed between passes: pass 3 gave block 0 (20 rows) with the sum pass 1 read there (*) but not the same values at the same rows and slots (rows handed out in another order, or values moved between them). A streamed fit needs the same rows in the same order on every pass: a source that orders or samples its rows anew on every read (a database query without ORDER BY, a random sample) must be saved once (e.g. mlContext.Data.SaveAsBinary) and the saved copy streamed.");
        passes.Should().Be(3, "refused in the first pass that differs");
    }

    [Fact]
    public void Streamed_NoRows_NamesTheColumn()
    {
        // In memory: "The training data has no rows in column 'Values'"; streamed it once said "The data has no rows" (no column).
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Array.Empty<DenseRow>());

        var fit = () => ml.Transforms.NonNegativeMatrixFactorization(Streamed()).Fit(data);

        fit.Should().Throw<InvalidOperationException>().WithMessage("*no rows*column 'Values'*");
    }

    [Theory]
    [InlineData(NmfFitMode.Streamed)]
    [InlineData(NmfFitMode.InMemory)] // the in-memory reader checks the same way (once: the CSR constructor's "Row 13 ...", no column)
    public void Streamed_SparseIndicesOutOfOrderInALateBlock_NamesTheGlobalRowAndColumn(NmfFitMode mode)
    {
        // Row 13 (the fourth row of block 2 with BlockSize 5) arrives as a sparse VBuffer with indices 4, 1. The streamed
        // fit's error once named "Row 3" (the row within its block) and neither the column nor the fact that it is a data error.
        var ml = new MLContext(seed: 1);
        var rows = Enumerable.Range(0, 20).Select(i => new SparseRow
        {
            Values = i == 13
                ? new VBuffer<float>(6, 2, new[] { 1f, 2f }, new[] { 4, 1 })
                : new VBuffer<float>(6, 2, new[] { 1f + i, 2f }, new[] { i % 3, 3 + i % 3 }),
        }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var options = Streamed();
        options.FitMode = mode;

        var fit = () => ml.Transforms.NonNegativeMatrixFactorization(options).Fit(data);

        fit.Should().Throw<InvalidOperationException>().WithMessage("Column 'Values' has slot indices out of order or repeated at row 13 (4 then 1)*");
    }

    private sealed class WideRow
    {
        [VectorType(70000)] public VBuffer<float> Values { get; set; }
    }

    [Fact]
    public void Streamed_RankWhoseComponentsCannotBeHeld_IsRefusedNamingRank_LikeTheInMemoryFit()
    {
        // Rank 40000 on 70000 slots: Hᵀ alone needs 2.8e9 floats. In memory, FitBudget refuses it ("Rank 40000 on 10 x
        // 70000 data needs arrays of ... values ... Lower the rank."); streamed, after a full pass, FactorLayout.Allocate's
        // checked multiplication once threw a bare OverflowException. Now refused before any row is read.
        var ml = new MLContext(seed: 1);
        var rows = Enumerable.Range(0, 10).Select(i => new WideRow { Values = new VBuffer<float>(70000, 2, new[] { 1f + i, 2f }, new[] { i, 100 + i }) }).ToList();
        var options = Streamed(blockSize: 4, rank: 40000);
        options.MaximumIterations = 2;
        options.MaximumPasses = 3;

        var fit = () => ml.Transforms.NonNegativeMatrixFactorization(options).Fit(ml.Data.LoadFromEnumerable(rows));

        fit.Should().Throw<ArgumentOutOfRangeException>().Where(e => e.ParamName == "Rank").WithMessage("Rank 40000*Lower the rank*");
    }

    [Fact]
    public void Streamed_RankAboveTheRowCount_WarnsLikeTheInMemoryFit()
    {
        // In memory: "Rank 4 exceeds the number of rows (3) of column 'Values' ..." (a warning); streamed once said nothing.
        var ml = new MLContext(seed: 1);
        var warnings = new List<string>();
        ml.Log += (_, e) => { if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Warning) lock (warnings) warnings.Add(e.Message); };
        var rows = Enumerable.Range(0, 3).Select(i => new DenseRow { Values = new[] { 1f + i, 2f, 0.5f * i, 1f } }).ToList();
        var options = Streamed(blockSize: 2, rank: 4);

        ml.Transforms.NonNegativeMatrixFactorization(options).Fit(ml.Data.LoadFromEnumerable(rows));

        warnings.Should().Contain(m => m.Contains("Rank 4 exceeds the number of rows (3) of column 'Values'"));
    }

    [Theory]
    [InlineData(NmfFitMode.Streamed)]
    [InlineData(NmfFitMode.InMemory)]
    public void StreamedWarmStart_FromAllZeroComponents_IsRefusedLikeTheInMemoryWarmStart(NmfFitMode mode)
    {
        // In memory the same warm start is refused ("InitialW is all zeros; a custom start needs at least one positive
        // value"); streamed, it once returned all-zero components without a word.
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 30).Select(i => new DenseRow { Values = new[] { 1f + i % 7, 0.5f + i % 3, 2f, 1f } }).ToList());
        var zero = NmfTransformer.FromComponents(ml, "Topics", "Values", new DenseMatrix(2, 4, new float[8]), new NmfFitOptions { Rank = 2 },
            iterations: 3, converged: false, lossHistory: new[] { 1.0 }, reconstructionError: 0.1, divergence: 1.0);
        var estimator = ml.Transforms.NonNegativeMatrixFactorization(new NmfOptions
        {
            OutputColumnName = "Topics", InputColumnName = "Values", Rank = 2, FitMode = mode, MaximumIterations = 3, MaximumPasses = 4,
        });

        var fit = () => estimator.Fit(data, zero.Model);

        // Both modes refuse it before reading, naming the model (in memory it was once "InitialW is all zeros", an option the user never set).
        fit.Should().Throw<ArgumentException>().Where(e => e.ParamName == "modelParameters").WithMessage("*all zeros*");
    }

    private sealed class TwelveSlotRow
    {
        [VectorType(12)] public float[] Values { get; set; } = Array.Empty<float>();
    }

    [Theory]
    [InlineData(1e30f)]
    [InlineData(1e-30f)]
    public void StreamedFit_OfDataOfExtremeMagnitude_FitsAsTheInMemoryFitDoes(float scale)
    {
        // InMemory rescales such data (relative error about 0.52). Streamed once did not: at 1e30 it threw "The matrix has
        // NaN (NaN) at row 0, column 0 ..." (the data has no NaN); at 1e-30 it stopped after 2 iterations with a relative
        // error above 1 (worse than all-zero factors), without a word.
        var ml = new MLContext(seed: 1);
        var random = new Random(1);
        var rows = Enumerable.Range(0, 30)
            .Select(_ => new TwelveSlotRow { Values = Enumerable.Range(0, 12).Select(_ => random.NextDouble() < 0.3 ? 0f : (float)random.NextDouble() * scale).ToArray() })
            .ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);
        var options = new NmfOptions { OutputColumnName = "Topics", InputColumnName = "Values", Rank = 3, DegreeOfParallelism = 2, FitMode = NmfFitMode.Streamed };

        var fit = () => ml.Transforms.NonNegativeMatrixFactorization(options).Fit(data);

        var model = fit.Should().NotThrow().Subject.Model;
        model.LossHistory.Should().OnlyContain(v => double.IsFinite(v));
        model.ReconstructionError.Should().BeLessThan(0.9, "the in-memory fit of the same rows reaches about 0.52");
    }
}
