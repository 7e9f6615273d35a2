using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using MLNet.Nmf.Engine.Sharded;
using MLNet.Nmf.Orleans.Client;
using MLNet.Nmf.Orleans.Data;
using MLNet.Nmf.Orleans.Hosting;
using MLNet.Nmf.Orleans.Model;

namespace MLNet.Nmf.Orleans.Grains;

/// <summary>The coordinator grain: see <see cref="INmfFitGrain"/>.</summary>
public sealed class NmfFitGrain : Grain, INmfFitGrain
{
    /// <summary>How long the coordinator keeps retrying an iteration whose shards cannot be reached before it gives up.</summary>
    public static TimeSpan RecoveryTimeout { get; set; } = TimeSpan.FromMinutes(5);

    private readonly IPersistentState<FitCheckpoint> _state;
    private readonly ILocalSiloDetails _silo;
    private readonly ILogger<NmfFitGrain> _log;
    private IGrainTimer? _loop;

    /// <summary>Created by Orleans.</summary>
    public NmfFitGrain([PersistentState("fit", NmfCluster.CheckpointStorageName)] IPersistentState<FitCheckpoint> state,
        ILocalSiloDetails silo, ILogger<NmfFitGrain> log)
    {
        _state = state;
        _silo = silo;
        _log = log;
    }

    private FitCheckpoint S => _state.State;
    private string FitId => this.GetPrimaryKeyString();
    private bool Running => S.Phase is NmfClusterFitPhase.Starting or NmfClusterFitPhase.Iterating or NmfClusterFitPhase.Finishing;

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Running)
        {
            Event($"coordinator activated on silo {_silo.SiloAddress} in phase {S.Phase}; resuming from the checkpoint of iteration {S.Iteration}");
            EnsureLoop();
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<NmfClusterFitStatus> Start(NmfClusterFitRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (S.Request is null)
        {
            _state.State = new FitCheckpoint { Request = request, Phase = NmfClusterFitPhase.Starting };
            Event($"fit {FitId} started on silo {_silo.SiloAddress}: rank {request.Rank}, at most {request.MaxIterations} iterations, seed {request.Seed}, manifest {request.ManifestPath}");
            await _state.WriteStateAsync();
        }
        if (Running)
            EnsureLoop();
        return Status();
    }

    /// <inheritdoc />
    public Task<NmfClusterFitStatus> GetStatus()
    {
        if (Running)
            EnsureLoop();
        return Task.FromResult(Status());
    }

    private void EnsureLoop() =>
        _loop ??= this.RegisterGrainTimer(RunAsync, new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan) { Interleave = true, KeepAlive = true });

    private async Task RunAsync(CancellationToken cancellation)
    {
        try
        {
            var request = S.Request!;
            var manifest = ShardManifest.Load(request.ManifestPath);
            var shards = Enumerable.Range(0, manifest.Shards.Count)
                .Select(i => (Grain: GrainFactory.GetGrain<INmfShardGrain>(string.Create(CultureInfo.InvariantCulture, $"{FitId}/{i}")),
                              Assignment: new ShardAssignment(FitId, request.ManifestPath, i)))
                .ToArray();
            S.ShardCount = shards.Length;
            ShardedFitPlan plan;
            ShardedComponents components;
            if (S.Phase == NmfClusterFitPhase.Starting)
                (plan, components) = await StartAsync(request, shards, cancellation);
            else
            {
                plan = JsonSerializer.Deserialize<ShardedFitPlan>(S.PlanJson!)!;
                components = ShardedComponents.Restore(plan, MemoryMarshal.Cast<byte, float>(S.Components));
            }
            while (S.Phase == NmfClusterFitPhase.Iterating)
                await IterateAsync(plan, components, shards, cancellation);
            if (S.Phase == NmfClusterFitPhase.Finishing)
                await FinishAsync(request, manifest, plan, components, shards, cancellation);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The activation is going away (its silo stops); the next activation resumes from the checkpoint.
        }
        catch (Exception e) when (e is NmfShardException or ArgumentException or TimeoutException or InvalidOperationException)
        {
            if (e is not NmfShardException)
                _log.LogError(e, "NMF fit {FitId} failed.", FitId);
            await FailAsync(e.Message);
        }
        finally
        {
            _loop?.Dispose();
            _loop = null;
        }
    }

    private async Task<(ShardedFitPlan, ShardedComponents)> StartAsync(NmfClusterFitRequest request,
        (INmfShardGrain Grain, ShardAssignment Assignment)[] shards, CancellationToken cancellation)
    {
        var loads = await RetryAsync(() => Task.WhenAll(shards.Select(s => s.Grain.Load(s.Assignment))), "loading the shards", cancellation);
        S.Placement = loads.Select(l => l.Silo).ToList();
        for (int i = 0; i < loads.Length; i++)
            Event($"shard {i}: {loads[i].Summary.Rows} rows, {loads[i].Summary.NonZeros} non-zeros, on silo {loads[i].Silo}");
        var plan = ShardedFitPlan.Create(request.ToOptions(), loads.Select(l => l.Summary).ToArray());
        var components = ShardedComponents.Start(plan);
        var starts = await RetryAsync(() => Task.WhenAll(shards.Select(s => s.Grain.Start(s.Assignment, plan))), "drawing the start", cancellation);
        S.LossHistory = [components.Objective(starts.Select(r => r.Statistics).ToArray())];
        S.PlanJson = JsonSerializer.Serialize(plan);
        S.Iteration = 0;
        S.Components = MemoryMarshal.AsBytes(components.Transposed.AsSpan()).ToArray();
        S.Phase = NmfClusterFitPhase.Iterating;
        Event(string.Create(CultureInfo.InvariantCulture,
            $"plan: {plan.Rows} x {plan.Columns}, {plan.NonZeros} non-zeros in {shards.Length} shards; rank {plan.Rank}; {plan.SweepsW}/{plan.SweepsH} sweeps per W/H update"));
        await _state.WriteStateAsync();
        return (plan, components);
    }

    private async Task IterateAsync(ShardedFitPlan plan, ShardedComponents components,
        (INmfShardGrain Grain, ShardAssignment Assignment)[] shards, CancellationToken cancellation)
    {
        int t = S.Iteration + 1;
        var clock = Stopwatch.StartNew();
        var broadcast = components.Broadcast(NmfCluster.ShardDegreeOfParallelism);
        bool failed = false;
        var results = await RetryAsync(() => Task.WhenAll(shards.Select(s => s.Grain.Step(s.Assignment, plan, t, broadcast))),
            $"iteration {t}", cancellation, onFailure: () => failed = true);
        var reassigned = new List<string>();
        for (int i = 0; i < results.Length; i++)
        {
            if (i < S.Placement.Count && S.Placement[i] != results[i].Silo)
            {
                reassigned.Add($"shard {i}: {S.Placement[i]} -> {results[i].Silo}");
                S.Placement[i] = results[i].Silo;
            }
        }
        bool restored = results.Any(r => r.Restored);
        if (failed || reassigned.Count > 0 || restored)
        {
            S.Resumptions.Add(new NmfClusterResumption(t, t - 1, reassigned));
            Event($"iteration {t} resumed from the checkpoint of iteration {t - 1}; reassigned: {(reassigned.Count == 0 ? "none" : string.Join("; ", reassigned))}");
        }

        var statistics = results.Select(r => r.Statistics).ToArray(); // in shard order, whichever silo answered first
        var (violation, objective) = await Task.Run(() => components.Update(statistics, NmfCluster.ShardDegreeOfParallelism));
        S.Iteration = t;
        S.LossHistory.Add(objective);
        if (t == 1)
            S.FirstViolation = violation;
        bool converged = ShardedFit.IsConverged(plan, S.FirstViolation, violation);
        if (converged || t >= plan.MaxIterations)
        {
            S.Converged = converged;
            S.Phase = NmfClusterFitPhase.Finishing;
        }
        float[] ht = components.Transposed;
        S.Components = MemoryMarshal.AsBytes(ht.AsSpan()).ToArray();
        S.BytesPerIteration = broadcast.PayloadBytes * shards.Length + statistics.Sum(s => s.PayloadBytes);
        // Each shard rewrites its state with the last two W_b; the coordinator writes Hᵀ.
        S.CheckpointBytesPerIteration = (long)ht.Length * sizeof(float) + 2 * plan.Rows * plan.Rank * sizeof(float);
        S.IterationSeconds.Add(clock.Elapsed.TotalSeconds);
        await _state.WriteStateAsync();
        _log.LogInformation("NMF fit {FitId}: iteration {Iteration}, objective {Objective:G8}, violation {Violation:G6}, {Bytes} bytes sent, {Seconds:F3} s.",
            FitId, t, objective, violation, S.BytesPerIteration, clock.Elapsed.TotalSeconds);
        DelayDeactivation(TimeSpan.FromMinutes(30));
    }

    private async Task FinishAsync(NmfClusterFitRequest request, ShardManifest manifest, ShardedFitPlan plan, ShardedComponents components,
        (INmfShardGrain Grain, ShardAssignment Assignment)[] shards, CancellationToken cancellation)
    {
        var final = components.Broadcast(NmfCluster.ShardDegreeOfParallelism);
        var results = await RetryAsync(() => Task.WhenAll(shards.Select(s => s.Grain.Finish(s.Assignment, plan, final, request.FeaturesDirectory))),
            "the final projection", cancellation);
        double squared = 0;
        foreach (var r in results)
            squared += r.SquaredError;
        S.RelativeError = ShardedFit.RelativeError(plan, squared);
        S.FeaturesPaths = results.Where(r => r.FeaturesPath is not null).Select(r => r.FeaturesPath!).ToList();
        // Grain state is read here, on the grain's scheduler; the writing runs on the thread pool.
        int iterations = S.Iteration;
        bool converged = S.Converged;
        var history = S.LossHistory.ToArray();
        double relativeError = S.RelativeError;
        await Task.Run(() => ClusterModelWriter.Write(request, manifest, plan, components.ToComponents(), iterations, converged,
            history, relativeError, 0.5 * squared));
        S.Phase = NmfClusterFitPhase.Completed;
        Event(string.Create(CultureInfo.InvariantCulture, $"completed after {S.Iteration} iterations; relative error {S.RelativeError:F6}; model written to {request.ModelPath}"));
        await _state.WriteStateAsync();
        foreach (var s in shards)
        {
            try { await s.Grain.Clear(); }
            catch (Exception e) when (e is not OutOfMemoryException) { _log.LogWarning(e, "NMF fit {FitId}: could not clear a shard checkpoint.", FitId); }
        }
    }

    private async Task<T> RetryAsync<T>(Func<Task<T>> call, string what, CancellationToken cancellation, Action? onFailure = null)
    {
        var deadline = DateTime.UtcNow + RecoveryTimeout;
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (e is not NmfShardException && !cancellation.IsCancellationRequested && DateTime.UtcNow < deadline)
            {
                onFailure?.Invoke();
                Event($"{what} failed ({e.GetType().Name}: {FirstLine(e.Message)}); retrying from the checkpoint of iteration {S.Iteration}");
                await Task.Delay(TimeSpan.FromSeconds(1), cancellation);
            }
        }
    }

    private async Task FailAsync(string message)
    {
        S.Phase = NmfClusterFitPhase.Failed;
        S.Error = message;
        Event($"failed: {message}");
        await _state.WriteStateAsync();
    }

    private void Event(string message)
    {
        string line = $"{DateTime.UtcNow:HH:mm:ss.fff} {message}";
        S.Events.Add(line);
        _log.LogInformation("NMF fit {FitId}: {Event}", FitId, message);
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();

    private NmfClusterFitStatus Status() => new()
    {
        FitId = FitId,
        Phase = S.Request is null ? NmfClusterFitPhase.None : S.Phase,
        Iteration = S.Iteration,
        MaxIterations = S.Request?.MaxIterations ?? 0,
        LossHistory = S.LossHistory.ToArray(),
        Error = S.Error,
        Placement = S.Placement.ToArray(),
        Events = S.Events.ToArray(),
        Resumptions = S.Resumptions.ToArray(),
        BytesPerIteration = S.BytesPerIteration,
        CheckpointBytesPerIteration = S.CheckpointBytesPerIteration,
        IterationSeconds = S.IterationSeconds.ToArray(),
        Converged = S.Converged,
        RelativeError = S.RelativeError,
        ModelPath = S.Phase == NmfClusterFitPhase.Completed ? S.Request?.ModelPath : null,
        FeaturesPaths = S.FeaturesPaths.ToArray(),
    };
}
