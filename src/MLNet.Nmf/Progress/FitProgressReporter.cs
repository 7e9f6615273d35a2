using Microsoft.ML.Runtime;
using MLNet.Nmf.Engine;

namespace MLNet.Nmf.Progress;

/// <summary>
/// Wires the engine's per-iteration <see cref="NmfFitOptions.Progress"/> hook to ML.NET the way its own trainers report:
/// a progress channel (iterations done of the limit, objective, relative change; ML.NET's tools poll it) and a
/// cancellation check (<c>IHost.CheckAlive</c>, which throws once <c>MLContext.CancelExecution</c> was called).
/// The periodic <c>MLContext.Log</c> lines come from the engine's log hook.
/// </summary>
internal sealed class FitProgressReporter : IDisposable
{
    private readonly IHost _host;
    private readonly IProgressChannel _channel;
    private NmfProgress? _latest;

    public FitProgressReporter(IHost host, string columnName)
    {
        _host = host;
        _channel = host.StartProgressChannel($"NMF on '{columnName}'");
        _channel.SetHeader(new ProgressHeader(new[] { "objective", "relative change" }, new[] { "iterations" }), entry =>
        {
            if (Volatile.Read(ref _latest) is { } p)
            {
                entry.SetProgress(0, p.Iteration, p.MaxIterations);
                entry.SetMetric(0, p.Objective);
                entry.SetMetric(1, p.RelativeChange);
            }
        });
    }

    /// <summary>The engine's hook: checks for cancellation and records where the fit stands.</summary>
    /// <exception cref="OperationCanceledException">The MLContext's execution was cancelled.</exception>
    public void Report(NmfProgress progress)
    {
        _host.CheckAlive();
        Volatile.Write(ref _latest, progress);
    }

    public void Dispose() => _channel.Dispose();
}
