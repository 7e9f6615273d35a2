using System.Collections.Concurrent;
using System.Diagnostics;

namespace MLNet.Nmf.Engine.Solvers;

/// <summary>
/// Opt-in accounting of where a fit's time goes (the benchmark's "where the time goes"): set the
/// environment variable <c>MLNET_NMF_PROFILE=1</c> and read <see cref="Snapshot"/>. Off, it costs one
/// branch per stage.
/// </summary>
public static class StageClock
{
    private static readonly bool Enabled = Environment.GetEnvironmentVariable("MLNET_NMF_PROFILE") == "1";
    private static readonly ConcurrentDictionary<string, long> Ticks = new();
    private static readonly ConcurrentDictionary<string, long> Counters = new();

    internal static void Add(string stage, long startTimestamp)
    {
        if (Enabled)
            Ticks.AddOrUpdate(stage, Stopwatch.GetTimestamp() - startTimestamp, (_, t) => t + Stopwatch.GetTimestamp() - startTimestamp);
    }

    /// <summary>Adds to a counter (e.g. row-sweeps actually executed, for the floor analysis).</summary>
    internal static void Count(string counter, long amount)
    {
        if (Enabled)
            Counters.AddOrUpdate(counter, amount, (_, c) => c + amount);
    }

    /// <summary>The counters since the last <see cref="Reset"/>.</summary>
    public static IReadOnlyDictionary<string, long> CountSnapshot() => Counters.ToDictionary(p => p.Key, p => p.Value);

    /// <summary>Seconds per stage since the last <see cref="Reset"/>.</summary>
    public static IReadOnlyDictionary<string, double> Snapshot() =>
        Ticks.ToDictionary(p => p.Key, p => (double)p.Value / Stopwatch.Frequency);

    /// <summary>Clears the accounts.</summary>
    public static void Reset()
    {
        Ticks.Clear();
        Counters.Clear();
    }
}
