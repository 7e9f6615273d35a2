using System.Diagnostics;
using System.Globalization;

namespace MLNet.Nmf.Engine.Solvers;

/// <summary>
/// The one progress and cancellation hook of a fit: each solver loop calls <see cref="Report"/> once per outer
/// iteration. It checks <see cref="NmfFitOptions.CancellationToken"/>, passes an <see cref="NmfProgress"/> to
/// <see cref="NmfFitOptions.Progress"/> (which may throw to stop the fit, e.g. ML.NET's <c>CheckAlive</c>), and writes a
/// line to <see cref="NmfFitOptions.Log"/> after the first iteration and then every
/// <see cref="NmfFitOptions.ProgressInterval"/>, not every iteration.
/// </summary>
internal sealed class FitProgress
{
    private readonly NmfFitOptions _options;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _lastLine;
    private bool _logged;

    public FitProgress(NmfFitOptions options) => _options = options;

    /// <summary>After outer iteration <paramref name="iteration"/>; <paramref name="history"/> holds the objectives so far.</summary>
    /// <exception cref="OperationCanceledException">The cancellation token was signalled.</exception>
    public void Report(int iteration, List<double> history)
    {
        _options.CancellationToken.ThrowIfCancellationRequested();
        if (_options.Progress is null && _options.Log is null)
            return;
        var elapsed = _clock.Elapsed;
        double objective = history.Count > 0 ? history[^1] : double.NaN;
        double change = history.Count < 2 ? double.NaN
            : history[^2] == objective ? 0 // an unchanged objective, 0 included (an exact fit): not 0 / 0
            : Math.Abs(history[^2] - objective) / Math.Abs(history[^2]);
        int max = _options.MaxIterations;
        var remaining = TimeSpan.FromTicks((long)((double)elapsed.Ticks / iteration * Math.Max(0, max - iteration)));
        var progress = new NmfProgress(iteration, max, objective, change, elapsed, remaining);
        _options.Progress?.Invoke(progress);
        if (_options.Log is { } log && (!_logged || elapsed - _lastLine >= _options.ProgressInterval))
        {
            _logged = true;
            _lastLine = elapsed;
            log(Line(progress));
        }
    }

    /// <summary>The log line: iteration, objective, relative change, elapsed, time left at most.</summary>
    internal static string Line(NmfProgress p) => string.Create(CultureInfo.InvariantCulture,
        $"NMF: iteration {p.Iteration}/{p.MaxIterations}, objective {p.Objective:G6}, relative change {p.RelativeChange:G3}, {p.Elapsed.TotalSeconds:F1} s elapsed, at most {p.EstimatedRemaining.TotalSeconds:F1} s left.");
}
