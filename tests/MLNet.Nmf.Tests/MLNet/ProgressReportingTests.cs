using Microsoft.ML;

namespace MLNet.Nmf.Tests.MLNet;

/// <summary>Progress of a fit as ML.NET users see it: MLContext.Log lines and MLContext.CancelExecution.</summary>
public class ProgressReportingTests
{
    [Theory]
    [InlineData(NmfFitMode.InMemory)]
    [InlineData(NmfFitMode.Streamed)]
    public void Fit_LogsIterationObjectiveChangeElapsedAndTimeLeft_ToMLContextLog(NmfFitMode mode)
    {
        var ml = new MLContext(seed: 1);
        var messages = new List<string>();
        var data = TextFixture.Featurize(ml).Fit(TextFixture.Load(ml)).Transform(TextFixture.Load(ml));
        ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
        ml.Transforms.NonNegativeMatrixFactorization(new NmfOptions { OutputColumnName = "Topics", InputColumnName = "Features", Rank = 4, MaximumIterations = 5, Tolerance = 0, FitMode = mode, BlockSize = 64 }).Fit(data);
        messages.Should().Contain(m => m.Contains("Kind=Info] NMF: iteration 1/5, objective ") && m.Contains("relative change") && m.Contains("s elapsed, at most") && m.EndsWith(" s left."));
    }

    [Theory]
    [InlineData(NmfFitMode.InMemory)]
    [InlineData(NmfFitMode.Streamed)]
    public void Fit_AfterCancelExecution_StopsWithOperationCanceledException(NmfFitMode mode)
    {
        var ml = new MLContext(seed: 1);
        var data = TextFixture.Featurize(ml).Fit(TextFixture.Load(ml)).Transform(TextFixture.Load(ml));
        int progressLines = 0;
        ml.Log += (_, e) =>
        {
            if (e.Message.Contains("] NMF: iteration "))
            {
                Interlocked.Increment(ref progressLines);
                CancelExecution(ml); // as a host would from another thread; the next iteration's check sees it
            }
        };
        var estimator = ml.Transforms.NonNegativeMatrixFactorization(new NmfOptions { OutputColumnName = "Topics", InputColumnName = "Features", Rank = 4, MaximumIterations = 1000, Tolerance = 0, FitMode = mode, BlockSize = 64, MaximumPasses = 1001 });
        var fit = () => estimator.Fit(data);
        fit.Should().Throw<OperationCanceledException>();
        progressLines.Should().Be(1, "the fit stops at the second iteration's check, long before MaximumIterations");
    }

    [Fact]
    public void Fit_ReportsIterationsAndObjective_OnMLNetsProgressChannel()
    {
        var ml = new MLContext(seed: 1);
        var data = TextFixture.Featurize(ml).Fit(TextFixture.Load(ml)).Transform(TextFixture.Load(ml));
        var polled = new List<(string Name, double?[] Progress, double?[] Limit, double?[] Metrics)>();
        ml.Log += (_, e) =>
        {
            if (e.Message.Contains("] NMF: iteration 1/"))
            {
                // What ML.NET's tools see when they poll during the fit: the first poll returns the pending start
                // events, the next one pulls the running calculations' current progress.
                PollProgress(ml).ToList();
                polled.AddRange(PollProgress(ml));
            }
        };
        ml.Transforms.NonNegativeMatrixFactorization(new NmfOptions { OutputColumnName = "Topics", InputColumnName = "Features", Rank = 4, MaximumIterations = 7, Tolerance = 0 }).Fit(data);

        var nmf = polled.Where(p => p.Name.Contains("NMF on 'Features'")).Should().ContainSingle().Subject;
        nmf.Progress.Should().Equal(1.0);
        nmf.Limit.Should().Equal(7.0);
        nmf.Metrics.Should().HaveCount(2);
        nmf.Metrics[0].Should().BeGreaterThan(0, "the objective of a fit on real text");
    }

    // ML.NET's progress tracker is internal: read it as its own tools do (HostEnvironmentBase.ProgressTracker.GetAllProgress).
    private static IEnumerable<(string, double?[], double?[], double?[])> PollProgress(MLContext ml)
    {
        const System.Reflection.BindingFlags Any = System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic;
        object env = typeof(MLContext).GetField("_env", Any)!.GetValue(ml)!;
        var type = env.GetType();
        while (type.GetField("ProgressTracker", Any) == null)
            type = type.BaseType!;
        object tracker = type.GetField("ProgressTracker", Any)!.GetValue(env)!;
        var events = (System.Collections.IEnumerable)tracker.GetType().GetMethod("GetAllProgress")!.Invoke(tracker, null)!;
        foreach (object e in events)
        {
            object? entry = e.GetType().GetField("ProgressEntry")!.GetValue(e);
            if (entry == null)
                continue; // a start or stop event
            yield return ((string)e.GetType().GetField("Name")!.GetValue(e)!,
                (double?[])entry.GetType().GetField("Progress")!.GetValue(entry)!,
                (double?[])entry.GetType().GetField("ProgressLim")!.GetValue(entry)!,
                (double?[])entry.GetType().GetField("Metrics")!.GetValue(entry)!);
        }
    }

    private sealed class FourSlotRow
    {
        [Microsoft.ML.Data.VectorType(4)] public float[] Values { get; set; } = Array.Empty<float>();
    }

    [Fact]
    public void Streamed_CancelledDuringTheCountingPass_StopsWithoutReadingTheDataAgain()
    {
        // MLContext.CancelExecution during pass 1 was once seen only after pass 2 had read every row again (the only
        // check was NmfComponentState.Update, after a whole pass): for data larger than memory, a full extra pass.
        // The streamed fit checks once per block.
        var ml = new MLContext(seed: 1);
        int passes = 0;
        IEnumerable<FourSlotRow> Rows()
        {
            int pass = Interlocked.Increment(ref passes);
            for (int i = 0; i < 50; i++)
            {
                if (pass == 1 && i == 5)
                    CancelExecution(ml);
                yield return new FourSlotRow { Values = new[] { 1f + i % 7, 0.5f, 2f, 1f } };
            }
        }
        var options = new NmfOptions
        {
            OutputColumnName = "Topics", InputColumnName = "Values", Rank = 2, Seed = 5, FitMode = NmfFitMode.Streamed, BlockSize = 10,
            MaximumIterations = 8, Tolerance = 0, MaximumPasses = 9,
        };
        var fit = () => ml.Transforms.NonNegativeMatrixFactorization(options).Fit(ml.Data.LoadFromEnumerable(Rows()));

        fit.Should().Throw<OperationCanceledException>();
        passes.Should().Be(1, "a cancelled streamed fit must not start another pass over the data");
    }

    [Fact]
    public void Streamed_CancelledAfterThePassesLastRow_KeepsThatPass_AndTheRefitResumesAfterIt()
    {
        // MLContext.CancelExecution after pass 4's last row was read: the pass's work is done, so it is committed to the
        // checkpoint before the cancellation is honoured. Once the progress hook's check (CheckAlive) threw first, inside
        // the components' update, and the refit resumed after pass 3, reading pass 4 again.
        string directory = Directory.CreateTempSubdirectory("nmf-ml-cancel-").FullName;
        try
        {
            int passes = 0;
            MLContext? cancelling = null;
            IEnumerable<FourSlotRow> Rows()
            {
                int pass = Interlocked.Increment(ref passes);
                for (int i = 0; i < 50; i++)
                    yield return new FourSlotRow { Values = new[] { 1f + i % 7, 0.5f * (i % 3), 2f + i % 5, 1f } };
                if (pass == 4 && cancelling is not null)
                    CancelExecution(cancelling); // the cursor asked for a row after the last: every block was handed out
            }
            NmfOptions Options(string? checkpoint) => new()
            {
                OutputColumnName = "Topics", InputColumnName = "Values", Rank = 2, Seed = 5, FitMode = NmfFitMode.Streamed, BlockSize = 10,
                MaximumIterations = 8, Tolerance = 0, MaximumPasses = 9, CheckpointDirectory = checkpoint,
            };
            var uninterrupted = new MLContext(seed: 1);
            var reference = uninterrupted.Transforms.NonNegativeMatrixFactorization(Options(null)).Fit(uninterrupted.Data.LoadFromEnumerable(Rows())).Model;
            passes = 0;
            cancelling = new MLContext(seed: 1);
            var fit = () => cancelling.Transforms.NonNegativeMatrixFactorization(Options(directory)).Fit(cancelling.Data.LoadFromEnumerable(Rows()));

            fit.Should().Throw<OperationCanceledException>().WithMessage("Operation was canceled.");
            passes.Should().Be(4);
            cancelling = null;
            passes = 0;
            var ml = new MLContext(seed: 1);
            var log = new List<string>();
            ml.Log += (_, e) => { if (e.Message.Contains("NMF streamed", StringComparison.Ordinal)) lock (log) log.Add(e.Message); };
            var resumed = ml.Transforms.NonNegativeMatrixFactorization(Options(directory)).Fit(ml.Data.LoadFromEnumerable(Rows())).Model;

            log.Should().Contain(m => m.Contains($"NMF streamed: resumed from the checkpoint in '{directory}' after pass 4 (iteration 3)", StringComparison.Ordinal));
            passes.Should().Be(1 + 5, "the counting pass, then passes 5 to 9");
            resumed.Components.ToArray().Should().Equal(reference.Components.ToArray());
            resumed.LossHistory.Should().Equal(reference.LossHistory);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData(NmfFitMode.InMemory)]
    [InlineData(NmfFitMode.Auto)]
    public void InMemory_CancelledWhileReadingTheData_StopsReading(NmfFitMode mode)
    {
        // The in-memory fit read every row before its first check (the first iteration): cancelling while an expensive
        // pipeline upstream (FeaturizeText on millions of documents) is being read waited for the whole read.
        var ml = new MLContext(seed: 1);
        const int rows = 20_000;
        int read = 0;
        IEnumerable<FourSlotRow> Rows()
        {
            for (int i = 0; i < rows; i++)
            {
                if (++read == 100)
                    CancelExecution(ml);
                yield return new FourSlotRow { Values = new[] { 1f + i % 7, 0.5f, 2f, 1f } };
            }
        }
        var options = new NmfOptions { OutputColumnName = "Topics", InputColumnName = "Values", Rank = 2, Seed = 5, FitMode = mode };
        var fit = () => ml.Transforms.NonNegativeMatrixFactorization(options).Fit(ml.Data.LoadFromEnumerable(Rows()));

        fit.Should().Throw<OperationCanceledException>();
        read.Should().BeLessThan(rows / 4, "the read stops within a few thousand rows of the cancellation");
    }

    // MLContext.CancelExecution is internal; ML.NET exposes it in its Microsoft.ML.Experimental package (not served here),
    // whose extension method calls this same member.
    [Fact]
    public void RankSelection_AfterCancelExecution_StopsWithOperationCanceledException()
    {
        var ml = new MLContext(seed: 1);
        var data = TextFixture.Featurize(ml).Fit(TextFixture.Load(ml)).Transform(TextFixture.Load(ml));
        CancelExecution(ml);
        var run = () => ml.Transforms.NonNegativeMatrixFactorizationRankSelection(data, "Features", new[] { 2, 3 },
            new NmfOptions { MaximumIterations = 1000, Tolerance = 0 }, repeats: 1);
        run.Should().Throw<OperationCanceledException>();
    }

    [Fact]
    public void ReconstructionFit_AfterCancelExecution_StopsWithOperationCanceledException()
    {
        var ml = new MLContext(seed: 1);
        var data = TextFixture.Featurize(ml).Fit(TextFixture.Load(ml)).Transform(TextFixture.Load(ml));
        CancelExecution(ml);
        var fit = () => ml.Transforms.NonNegativeMatrixFactorizationReconstruction(new NmfOptions
        {
            InputColumnName = "Features", Rank = 3, MaximumIterations = 1000, Tolerance = 0, MissingValues = NmfMissingValues.Ignore,
        }, "Reconstruction").Fit(data);
        fit.Should().Throw<OperationCanceledException>();
    }

    private static void CancelExecution(MLContext ml) =>
        typeof(MLContext).GetMethod("CancelExecution", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!.Invoke(ml, null);
}
