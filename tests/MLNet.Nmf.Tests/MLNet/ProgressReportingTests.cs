using Microsoft.ML;

namespace MLNet.Nmf.Tests.MLNet;

/// <summary>Progress of a fit as ML.NET users see it: MLContext.Log lines and MLContext.CancelExecution.</summary>
public class ProgressReportingTests
{
    [Fact]
    public void Fit_LogsIterationObjectiveChangeElapsedAndTimeLeft_ToMLContextLog()
    {
        var ml = new MLContext(seed: 1);
        var messages = new List<string>();
        var data = TextFixture.Featurize(ml).Fit(TextFixture.Load(ml)).Transform(TextFixture.Load(ml));
        ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
        ml.Transforms.NonNegativeMatrixFactorization(new NmfOptions { OutputColumnName = "Topics", InputColumnName = "Features", Rank = 4, MaximumIterations = 5, Tolerance = 0 }).Fit(data);
        messages.Should().Contain(m => m.Contains("Kind=Info] NMF: iteration 1/5, objective ") && m.Contains("relative change") && m.Contains("s elapsed, at most") && m.EndsWith(" s left."));
    }

    [Fact]
    public void Fit_AfterCancelExecution_StopsWithOperationCanceledException()
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
        var estimator = ml.Transforms.NonNegativeMatrixFactorization(new NmfOptions { OutputColumnName = "Topics", InputColumnName = "Features", Rank = 4, MaximumIterations = 1000, Tolerance = 0 });
        var fit = () => estimator.Fit(data);
        fit.Should().Throw<OperationCanceledException>();
        progressLines.Should().Be(1, "the fit stops at the second iteration's check, long before MaximumIterations");
    }

    // MLContext.CancelExecution is internal; ML.NET exposes it in its Microsoft.ML.Experimental package (not served here),
    // whose extension method calls this same member.
    private static void CancelExecution(MLContext ml) =>
        typeof(MLContext).GetMethod("CancelExecution", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!.Invoke(ml, null);
}
