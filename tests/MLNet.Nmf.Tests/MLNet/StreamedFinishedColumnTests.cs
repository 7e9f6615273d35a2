using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Nmf.Tests.MLNet;

/// <summary>
/// An estimator with two streamed column pairs, each with its own <see cref="NmfOptions.CheckpointDirectory"/>: when
/// column B fails after column A finished, fitting again does not refit A (its finished record is returned after the
/// counting pass) and ends with an uninterrupted fit's components; a full success leaves no file; a finished record of
/// other options or other data is refused as a resume is.
/// </summary>
public sealed class StreamedFinishedColumnTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nmf-ml-finished-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string DirectoryA => Path.Combine(_directory, "a");

    private string DirectoryB => Path.Combine(_directory, "b");

    /// <summary>Counts the reads of column A's values (ML.NET calls a property's getter only for a column a cursor reads).</summary>
    private sealed class Counter
    {
        public long ReadsOfA;
    }

    private sealed class Row
    {
        private float[] _a = Array.Empty<float>();

        [NoColumn] public Counter? Counter { get; set; }

        [VectorType(6)]
        public float[] A
        {
            get
            {
                if (Counter is { } counter)
                    Interlocked.Increment(ref counter.ReadsOfA);
                return _a;
            }
            set => _a = value;
        }

        [VectorType(5)] public float[] B { get; set; } = Array.Empty<float>();
    }

    /// <summary>2000 rows made on demand, counting the passes (cursors); the given pass throws an IOException after 1234 rows.</summary>
    private sealed class Rows(int failingPass, float changeA = 0, int slowPass = -1)
    {
        public int Passes;
        public readonly Counter Counter = new();

        public IEnumerable<Row> Read()
        {
            int pass = Interlocked.Increment(ref Passes);
            for (int i = 0; i < 2000; i++)
            {
                if (pass == failingPass && i == 1234)
                    throw new IOException($"The network share went away at row {i} of pass {pass}.");
                if (pass == slowPass && i == 0)
                    Thread.Sleep(1100); // a slow upstream pipeline
                yield return new Row
                {
                    Counter = Counter,
                    A = new[] { 1f + i % 7 + (i == 5 ? changeA : 0), 0.5f * (i % 3), 2f + i % 5, i % 11, 3f, (i * 7919) % 13 },
                    B = new[] { (i * 31) % 9, 1f + i % 4, 0.25f * (i % 6), 2f, (i * 17) % 5 },
                };
            }
        }
    }

    private static NmfOptions Column(string name, string? checkpoint) => new()
    {
        OutputColumnName = name + "Topics", InputColumnName = name, Rank = 3, Seed = 3, Initialization = NmfInitialization.Random,
        MaximumIterations = 8, Tolerance = 0, MaximumPasses = 9, FitMode = NmfFitMode.Streamed, BlockSize = 500,
        CheckpointDirectory = checkpoint,
    };

    private NmfTransformer Fit(MLContext ml, Rows rows, NmfOptions? a = null, bool checkpoints = true) =>
        ml.Transforms.NonNegativeMatrixFactorization(a ?? Column("A", checkpoints ? DirectoryA : null), Column("B", checkpoints ? DirectoryB : null))
            .Fit(ml.Data.LoadFromEnumerable(rows.Read()));

    /// <summary>Column A finishes (9 passes), column B fails in its pass 3 (the 12th pass over the data).</summary>
    private void FitFailingInColumnB(MLContext ml)
    {
        var failing = new Rows(failingPass: 9 + 3);
        var act = () => Fit(ml, failing);
        act.Should().Throw<IOException>().WithMessage("The network share went away at row 1234 of pass 12.");
        File.Exists(Path.Combine(DirectoryA, "mlnet-nmf-stream.finished")).Should().BeTrue("column A finished before B failed");
        Directory.GetFiles(DirectoryA).Should().HaveCount(1, "A's pass checkpoint is gone, its finished record stays");
        File.Exists(Path.Combine(DirectoryB, "mlnet-nmf-stream.manifest")).Should().BeTrue("B's pass 2 was committed");
    }

    [Fact]
    public void ColumnBFails_AfterColumnAFinished_RefitReadsAOnlyInTheCountingPass_AndEndsAsAnUninterruptedFit()
    {
        var ml = new MLContext(seed: 1);
        var log = new List<string>();
        ml.Log += (_, e) => { if (e.Message.Contains("NMF streamed", StringComparison.Ordinal)) lock (log) log.Add(e.Message); };
        var uninterruptedRows = new Rows(-1);
        var uninterrupted = Fit(ml, uninterruptedRows, checkpoints: false);
        uninterruptedRows.Counter.ReadsOfA.Should().Be(9 * 2000, "an uninterrupted fit reads A in its 9 passes");

        FitFailingInColumnB(ml);
        log.Clear();

        var again = new Rows(-1);
        var fitted = Fit(ml, again);

        again.Counter.ReadsOfA.Should().Be(2000, "A's finished fit is returned after its counting pass, which checks the data");
        again.Passes.Should().Be(1 + (1 + 7), "A's counting pass, then B's counting pass and its passes 3 to 9");
        log.Should().Contain(m => m.Contains($"NMF streamed: the fit in '{DirectoryA}' had finished (pass 9, iteration 8)", StringComparison.Ordinal));
        for (int c = 0; c < 2; c++)
        {
            fitted.Models[c].Components.ToArray().Should().Equal(uninterrupted.Models[c].Components.ToArray());
            fitted.Models[c].LossHistory.Should().Equal(uninterrupted.Models[c].LossHistory);
            fitted.Models[c].ReconstructionError.Should().Be(uninterrupted.Models[c].ReconstructionError);
            fitted.Models[c].Iterations.Should().Be(8);
        }
        Directory.GetFiles(DirectoryA).Should().BeEmpty("every column finished, so the finished records went");
        Directory.GetFiles(DirectoryB).Should().BeEmpty();
    }

    [Fact]
    public void FinishedColumnTakenFromItsRecord_AfterASlowCountingPass_DoesNotSuggestCachingForPassesNeverRead()
    {
        // A column returned from its finished record reports the recorded pass 9 (0 rows read) as a resume reports its restored
        // pass. The estimator's hint that reading dominates "the s of 9 passes" must not take that report for 9 passes read:
        // the fit read one pass, and has none left to speed up.
        var ml = new MLContext(seed: 1);
        var log = new List<string>();
        ml.Log += (_, e) => { if (e.Message.Contains("NMF", StringComparison.Ordinal)) lock (log) log.Add(e.Message); };
        FitFailingInColumnB(ml);
        log.Clear();

        var slow = new Rows(-1, slowPass: 1); // A's counting pass takes over a second
        Fit(ml, slow).Models[0].Iterations.Should().Be(8);

        log.Should().Contain(m => m.Contains($"NMF streamed: the fit in '{DirectoryA}' had finished (pass 9, iteration 8)", StringComparison.Ordinal));
        log.Should().NotContain(m => m.Contains("NMF: reading the input took", StringComparison.Ordinal));
    }

    [Fact]
    public void FinishedRecord_OfOtherOptionsOrOtherData_IsRefusedAsAResumeIs_AndTheSameFitStillUsesIt()
    {
        var ml = new MLContext(seed: 1);
        FitFailingInColumnB(ml);

        var otherOptions = Column("A", DirectoryA);
        otherOptions.Rank = 2;
        var rows = new Rows(-1);
        var act = () => Fit(ml, rows, otherOptions);
        act.Should().Throw<InvalidOperationException>().WithMessage(
            $"The checkpoint in '{DirectoryA}' was made by another fit, so this fit cannot resume from it: the options differ (Rank is 3 there, 2 here). A checkpoint resumes only the same fit*");
        rows.Passes.Should().Be(0, "the options are compared before any row is read");

        var otherData = new Rows(-1, changeA: 0.5f);
        act = () => Fit(ml, otherData);
        act.Should().Throw<InvalidOperationException>().WithMessage(
            $"The checkpoint in '{DirectoryA}' was made by another fit, so this fit cannot resume from it: the data differs (sum is *values (SHA-256 of the blocks) is *). A checkpoint resumes only the same fit*");
        otherData.Passes.Should().Be(1, "the data's figures are compared after the counting pass");

        var again = new Rows(-1);
        Fit(ml, again).Models[0].Iterations.Should().Be(8);
        again.Counter.ReadsOfA.Should().Be(2000, "the refused fits left the finished record in place");
        Directory.GetFiles(DirectoryA).Should().BeEmpty();
    }
}
