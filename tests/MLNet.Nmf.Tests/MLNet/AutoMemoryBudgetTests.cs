using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Nmf.Tests.MLNet;

/// <summary>
/// The in-memory budget of FitMode Auto where the data cannot be streamed: an explicit SVD start (Nndsvd, Nndsvda,
/// Nndsvdar) and rank selection. Data over the budget is refused as soon as reading crosses it (before the first row
/// when the row count is known), naming the options and what to do, never streamed or read whole. The budget is the
/// internal NmfOptions.MemoryBudgetBytes, so that a few hundred rows cross it.
/// </summary>
public class AutoMemoryBudgetTests
{
    private const int Rows = 2000;
    private const long SmallBudget = 4096; // about 30 rows of 4 dense slots (24 bytes per stored value, 12 per row, 32 dense)

    private sealed class Row
    {
        [VectorType(4)] public float[] Values { get; set; } = [];
    }

    /// <summary>Rows made on demand, counting how many a cursor took.</summary>
    private sealed class Source
    {
        public int Read;

        public IEnumerable<Row> Rows()
        {
            for (int i = 0; i < AutoMemoryBudgetTests.Rows; i++)
            {
                Interlocked.Increment(ref Read);
                yield return new Row { Values = [1f + i % 5, 2f, i % 3, 0.5f + i % 7] };
            }
        }
    }

    /// <summary>An IDataView that tells its row count (as a binary or cached view does), delegating everything else.</summary>
    private sealed class Counted(IDataView inner, long rows) : IDataView
    {
        public bool CanShuffle => inner.CanShuffle;
        public DataViewSchema Schema => inner.Schema;
        public long? GetRowCount() => rows;
        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => inner.GetRowCursor(columnsNeeded, rand);
        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => inner.GetRowCursorSet(columnsNeeded, n, rand);
    }

    private static (MLContext Ml, List<string> Log) Context()
    {
        var ml = new MLContext(seed: 1);
        var log = new List<string>();
        ml.Log += (_, e) =>
        {
            if (e.Message.Contains("NMF", StringComparison.Ordinal))
                lock (log) log.Add(e.Message);
        };
        return (ml, log);
    }

    private static NmfOptions Options(NmfInitialization initialization, NmfFitMode mode = NmfFitMode.Auto, long? budget = SmallBudget) => new()
    {
        OutputColumnName = "Topics", InputColumnName = "Values", Rank = 2, Initialization = initialization, FitMode = mode,
        MaximumIterations = 20, MaximumPasses = 3, MemoryBudgetBytes = budget,
    };

    [Theory]
    [InlineData(NmfInitialization.Nndsvd)]
    [InlineData(NmfInitialization.Nndsvda)]
    [InlineData(NmfInitialization.Nndsvdar)]
    public void Auto_WithAnSvdStart_OverTheBudget_IsRefusedWhereReadingCrossesIt_NamingInitializationAndFitMode(NmfInitialization initialization)
    {
        // It logged "streaming", then the engine refused the SVD start without a word of FitMode or of what to do.
        var (ml, log) = Context();
        var source = new Source();

        var fit = () => ml.Transforms.NonNegativeMatrixFactorization(Options(initialization)).Fit(ml.Data.LoadFromEnumerable(source.Rows()));

        var error = fit.Should().Throw<ArgumentException>().Which;
        error.ParamName.Should().Be(nameof(NmfOptions.Initialization));
        error.Message.Should().Be($"Initialization {initialization} needs the whole matrix in memory, but with FitMode Auto the in-memory copy of column 'Values' exceeds the budget of 0 MiB (a quarter of the memory available to the GC; reading stopped as the copy crossed it), and a streamed fit cannot start from an SVD. Use Initialization Auto or Random to stream this column (FitMode Auto or Streamed), or FitMode InMemory to fit it in memory anyway (it may exhaust memory). (Parameter 'Initialization')");
        source.Read.Should().BeLessThan(100, "reading stops where the copy crosses the budget (about 30 rows), not at the end of the data");
        log.Should().Contain(m => m.Contains($"NMF: FitMode Auto with Initialization {initialization}: the SVD start needs the whole matrix", StringComparison.Ordinal),
            "the choice is said before the read");
        log.Should().NotContain(m => m.Contains("NMF: streaming"));
    }

    [Fact]
    public void Auto_WithAnSvdStart_AndAKnownRowCountOverTheBudget_IsRefusedBeforeTheFirstRow()
    {
        var (ml, _) = Context();
        var source = new Source();
        var data = new Counted(ml.Data.LoadFromEnumerable(source.Rows()), Rows);

        var fit = () => ml.Transforms.NonNegativeMatrixFactorization(Options(NmfInitialization.Nndsvda)).Fit(data);

        fit.Should().Throw<ArgumentException>()
            .WithMessage("Initialization Nndsvda needs the whole matrix in memory, but with FitMode Auto*(a quarter of the memory available to the GC; its 2000 rows alone (GetRowCount) exceed it, so no row was read)*Use Initialization Auto or Random*or FitMode InMemory*")
            .Which.ParamName.Should().Be(nameof(NmfOptions.Initialization));
        source.Read.Should().Be(0);
    }

    [Theory]
    [InlineData(NmfInitialization.Random)]
    [InlineData(NmfInitialization.Auto)]
    public void Auto_WithAStreamableStart_AndAKnownRowCountOverTheBudget_StreamsWithoutReadingRowsIntoMemoryFirst(NmfInitialization initialization)
    {
        // It read rows into memory up to the budget (about 30 here; a quarter of the machine's memory in real use), dropped
        // them, and only then streamed, although the row count had told it at once.
        var (ml, log) = Context();
        var source = new Source();
        int readWhenStreamingStarted = -1;
        ml.Log += (_, e) =>
        {
            if (e.Message.Contains("NMF: streaming", StringComparison.Ordinal))
                readWhenStreamingStarted = Volatile.Read(ref source.Read);
        };
        var data = new Counted(ml.Data.LoadFromEnumerable(source.Rows()), Rows);

        var auto = ml.Transforms.NonNegativeMatrixFactorization(Options(initialization)).Fit(data);

        readWhenStreamingStarted.Should().Be(0, "the row count alone shows the copy over the budget: no row is read before streaming");
        log.Should().ContainSingle(m => m.Contains("NMF: streaming", StringComparison.Ordinal)).Which.Should().EndWith(
            "NMF: streaming (FitMode Auto: column 'Values' has 2000 rows (GetRowCount), whose in-memory copy alone, at 12 bytes a row whatever the values, would exceed the budget of 0 MiB, a quarter of the memory available to the GC; no row was read into memory).");
        var streamed = ml.Transforms.NonNegativeMatrixFactorization(Options(initialization, NmfFitMode.Streamed))
            .Fit(new Counted(ml.Data.LoadFromEnumerable(new Source().Rows()), Rows));
        auto.Model.RawComponents.ToArray().Should().Equal(streamed.Model.RawComponents.ToArray(), "Auto streams as Streamed does");
        auto.Model.RawComponents.ToArray().Should().Contain(v => v > 0);
    }

    [Fact]
    public void Streamed_WithAnSvdStart_IsRefusedBeforeAnyRow_NamingBothOptions()
    {
        var (ml, _) = Context();
        var source = new Source();

        var fit = () => ml.Transforms.NonNegativeMatrixFactorization(Options(NmfInitialization.Nndsvd, NmfFitMode.Streamed, budget: null))
            .Fit(ml.Data.LoadFromEnumerable(source.Rows()));

        fit.Should().Throw<ArgumentException>()
            .WithMessage("Initialization Nndsvd needs the whole matrix in memory, but FitMode is Streamed, which never holds it. Use Initialization Auto or Random for a streamed fit, or FitMode InMemory (or Auto, for data that fits in memory) for the SVD start.*")
            .Which.ParamName.Should().Be(nameof(NmfOptions.Initialization));
        source.Read.Should().Be(0);
    }

    [Fact]
    public void Auto_WithAnSvdStart_WithinTheBudget_FitsInMemory_AsInMemoryDoes_AndRandomOverIt_Streams()
    {
        var (ml, log) = Context();
        var auto = ml.Transforms.NonNegativeMatrixFactorization(Options(NmfInitialization.Nndsvda, budget: null)).Fit(ml.Data.LoadFromEnumerable(new Source().Rows()));
        var inMemory = ml.Transforms.NonNegativeMatrixFactorization(Options(NmfInitialization.Nndsvda, NmfFitMode.InMemory, budget: null)).Fit(ml.Data.LoadFromEnumerable(new Source().Rows()));
        auto.Model.RawComponents.ToArray().Should().Equal(inMemory.Model.RawComponents.ToArray());
        log.Should().Contain(m => m.Contains("NMF: fitting in memory (FitMode Auto: 2000 rows", StringComparison.Ordinal));

        var streamed = ml.Transforms.NonNegativeMatrixFactorization(Options(NmfInitialization.Random)).Fit(ml.Data.LoadFromEnumerable(new Source().Rows()));
        streamed.Model.RawComponents.ToArray().Should().Contain(v => v > 0);
        log.Should().Contain(m => m.Contains("NMF: streaming (FitMode Auto: an in-memory copy of column 'Values' would exceed the budget", StringComparison.Ordinal));
    }

    [Fact]
    public void RankSelection_WithAuto_OverTheBudget_IsRefusedWhereReadingCrossesIt_SayingToUseASample()
    {
        // It read the whole column into memory, whatever its size, without a size check or a log line.
        var (ml, log) = Context();
        var source = new Source();

        var run = () => ml.Transforms.NonNegativeMatrixFactorizationRankSelection(ml.Data.LoadFromEnumerable(source.Rows()), "Values", [1, 2],
            Options(NmfInitialization.Auto), repeats: 1);

        run.Should().Throw<InvalidOperationException>().Which.Message.Should().Be(
            "Column 'Values' does not fit in the in-memory budget of FitMode Auto (0 MiB, a quarter of the memory available to the GC; reading stopped as the copy crossed it). Rank selection reads the data into memory (it holds entries out as missing values, which a streamed fit cannot take); for data larger than memory, choose the rank on a sample of the rows (e.g. mlContext.Data.TakeRows(mlContext.Data.ShuffleRows(data), n)), then fit that rank with FitMode Streamed; or set FitMode InMemory to read it all anyway (it may exhaust memory).");
        source.Read.Should().BeLessThan(100);
        log.Should().NotContain(m => m.Contains("NMF rank selection: read") || m.Contains("best rank"), "nothing was read whole or fitted");
    }

    [Fact]
    public void RankSelection_WithAuto_AndAKnownRowCountOverTheBudget_IsRefusedBeforeTheFirstRow()
    {
        var (ml, _) = Context();
        var source = new Source();

        var run = () => ml.Transforms.NonNegativeMatrixFactorizationRankSelection(new Counted(ml.Data.LoadFromEnumerable(source.Rows()), Rows), "Values", [1, 2],
            Options(NmfInitialization.Auto), repeats: 1);

        run.Should().Throw<InvalidOperationException>().WithMessage("*its 2000 rows alone (GetRowCount) exceed it, so no row was read). Rank selection reads the data into memory*");
        source.Read.Should().Be(0);
    }

    [Theory]
    [InlineData(NmfFitMode.Auto, null, "within the budget of ")]
    [InlineData(NmfFitMode.InMemory, SmallBudget, "FitMode InMemory: no budget")]
    public void RankSelection_LogsWhatItReadIntoMemory(NmfFitMode mode, long? budget, string limit)
    {
        // InMemory reads whatever the size (the budget is that of Auto); both say how much they read.
        var (ml, log) = Context();
        var source = new Source();

        var result = ml.Transforms.NonNegativeMatrixFactorizationRankSelection(ml.Data.LoadFromEnumerable(source.Rows()), "Values", [1, 2],
            Options(NmfInitialization.Auto, mode, budget), repeats: 1);

        result.BestRank.Should().BeOneOf(1, 2);
        source.Read.Should().Be(Rows);
        // 2000 dense rows of 4 slots: a dense copy stores every value, 4 bytes x 2000 x 4 = 0.03 MiB.
        log.Should().ContainSingle(m => m.Contains("NMF rank selection: read 2000 rows, 8000 stored values of column 'Values' into memory (0.03 MiB, dense; ", StringComparison.Ordinal)
            && m.Contains(limit));
    }
}
