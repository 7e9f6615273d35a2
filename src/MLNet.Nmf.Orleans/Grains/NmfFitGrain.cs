using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Blocks;
using MLNet.Nmf.Orleans.Client;
using MLNet.Nmf.Orleans.Data;
using MLNet.Nmf.Orleans.Hosting;
using MLNet.Nmf.Orleans.Model;
using MLNet.Nmf.Orleans.Storage;

namespace MLNet.Nmf.Orleans.Grains;

/// <summary>The coordinator grain: see <see cref="INmfFitGrain"/>.</summary>
public sealed class NmfFitGrain : Grain, INmfFitGrain
{
    /// <summary>How long the coordinator keeps retrying an iteration whose shards cannot be reached before it gives up.</summary>
    public static TimeSpan RecoveryTimeout { get; set; } = TimeSpan.FromMinutes(5);

    private readonly StoredState<FitCheckpoint> _state;
    private readonly ILocalSiloDetails _silo;
    private readonly ILogger<NmfFitGrain> _log;
    private IGrainTimer? _loop;
    private readonly CancellationToken _siloStopping;
    private string? _damaged; // why the stored checkpoint was refused; the fit is then reported failed with it

    /// <summary>Created by Orleans.</summary>
    public NmfFitGrain(IGrainContext context, ILocalSiloDetails silo, ILogger<NmfFitGrain> log)
    {
        _siloStopping = context.ActivationServices.GetService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None;
        _state = new StoredState<FitCheckpoint>(context, "fit");
        _silo = silo;
        _log = log;
    }

    private FitCheckpoint S => _state.State;
    private string FitId => this.GetPrimaryKeyString();
    private bool Running => S.Phase is NmfClusterFitPhase.Starting or NmfClusterFitPhase.Iterating or NmfClusterFitPhase.Finishing;

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken) => await ReadCheckpointAsync();

    /// <summary>
    /// Reads the checkpoint and, when the fit is running, resumes from it. A checkpoint the storage refuses is neither
    /// resumed from nor overwritten: the fit is reported failed with the storage's message (which names the file), and
    /// read again at the next call, so that a file restored from a copy resumes the fit.
    /// </summary>
    private async Task ReadCheckpointAsync()
    {
        try
        {
            await _state.ReadAsync();
            _damaged = null;
        }
        catch (Exception e) when (e is InvalidDataException or CheckpointStorageException)
        {
            string message = e is InvalidDataException
                ? e.Message + " Restore the file from a copy to resume the fit, or delete it and start the fit again under a new fit id."
                : e.Message;
            if (_damaged != message)
                _log.LogError(e, "NMF fit {FitId}: its checkpoint cannot be read.", FitId);
            _damaged = message;
            return;
        }
        if (Running)
        {
            Event($"coordinator activated on silo {_silo.SiloAddress} in phase {S.Phase}; resuming from the checkpoint of iteration {S.Iteration}");
            EnsureLoop();
        }
    }

    /// <inheritdoc />
    public async Task<NmfClusterFitStatus> Start(NmfClusterFitRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_damaged is not null)
            await ReadCheckpointAsync();
        if (_damaged is not null)
            return Status();
        if (S.Request is null)
        {
            _state.State = new FitCheckpoint { Request = request, Phase = NmfClusterFitPhase.Starting };
            Event($"fit {FitId} started on silo {_silo.SiloAddress}: rank {request.Rank}, at most {request.MaxIterations} iterations, seed {request.Seed}, manifest {request.ManifestPath}");
            await _state.WriteAsync();
        }
        if (Running)
            EnsureLoop();
        return Status();
    }

    /// <inheritdoc />
    public async Task<NmfClusterFitStatus> GetStatus()
    {
        if (_damaged is not null)
            await ReadCheckpointAsync();
        if (_damaged is null && Running)
            EnsureLoop();
        return Status();
    }

    private void EnsureLoop() =>
        _loop ??= this.RegisterGrainTimer(RunAsync, new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan) { Interleave = true, KeepAlive = true });

    private async Task RunAsync(CancellationToken timer)
    {
        // The loop ends when the silo stops: Orleans waits for a running timer before it deactivates the grain, and the
        // timer's own token is not cancelled then, so the loop retried the shards (gone with the silo) until Orleans gave up
        // on the deactivation (30 s). The next activation, elsewhere, resumes from the checkpoint.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(timer, _siloStopping);
        var cancellation = stopping.Token;
        try
        {
            var request = S.Request!;
            var manifest = ShardManifest.Load(request.ManifestPath);
            var shards = Enumerable.Range(0, manifest.Shards.Count)
                .Select(i => (Grain: GrainFactory.GetGrain<INmfShardGrain>(string.Create(CultureInfo.InvariantCulture, $"{FitId}/{i}")),
                              Assignment: new ShardAssignment(FitId, request.ManifestPath, i)))
                .ToArray();
            S.ShardCount = shards.Length;
            var options = request.ToOptions() with { DegreeOfParallelism = NmfCluster.ShardDegreeOfParallelism };
            if (ServiceProvider.GetService<NmfSiloMarker>() is null)
                // Placing the shards failed ("Could not resolve placement strategy ShardSpreadPlacement"), retried for RecoveryTimeout.
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"Silo {_silo.SiloAddress} hosts the NMF grains without their setup: call siloBuilder.AddNmf() on every silo (with the checkpoint storage: AddNmfFileCheckpoints or AddRedisGrainStorage(NmfCluster.CheckpointStorageName, ...))."));
            NmfComponentState components;
            if (S.Phase == NmfClusterFitPhase.Starting)
            {
                CheckRank(request, manifest.FeatureCount);
                components = await StartAsync(request, options, shards, cancellation);
            }
            else
                components = NmfComponentState.Resume(Transposed(S.Components), S.Plan!.Columns, S.Rows, S.NonZeros, S.Plan.DataScale.Apply(options),
                    new NmfComponentCheckpoint(S.Iteration, S.FirstViolation, S.Converged, S.LossHistory.ToArray()));
            while (S.Phase == NmfClusterFitPhase.Iterating)
            {
                // The activation is going away (its silo stops): the next one resumes from this checkpoint. The loop went on
                // until Orleans gave up on deactivating it (30 s), delaying the silo's stop.
                cancellation.ThrowIfCancellationRequested();
                await IterateAsync(components, shards, cancellation);
            }
            if (S.Phase == NmfClusterFitPhase.Finishing)
                await FinishAsync(request, manifest, components, shards, cancellation);
        }
        catch (Exception) when (cancellation.IsCancellationRequested)
        {
            // The activation is going away (its silo stops; a shard call may fail any way then): not a failure of the fit.
            // The next activation resumes from the checkpoint.
        }
        catch (Exception e) when (e is NmfShardException or ArgumentException or TimeoutException or InvalidOperationException or InvalidDataException)
        {
            if (e is not NmfShardException)
                _log.LogError(e, "NMF fit {FitId} failed.", FitId);
            await FailAsync(e.Message);
        }
        catch (Exception e)
        {
            // Anything else, too, ends the fit with its message: left running, the fit was restarted by the next poll,
            // failed the same way, and the client waited forever.
            _log.LogError(e, "NMF fit {FitId} failed.", FitId);
            await FailAsync(string.Create(CultureInfo.InvariantCulture, $"{S.Phase} failed at iteration {S.Iteration} ({e.GetType().Name}): {e.Message}"));
        }
        finally
        {
            _loop?.Dispose();
            _loop = null;
        }
    }

    private async Task<NmfComponentState> StartAsync(NmfClusterFitRequest request, NmfFitOptions options,
        (INmfShardGrain Grain, ShardAssignment Assignment)[] shards, CancellationToken cancellation)
    {
        var loads = await RetryAsync(() => Task.WhenAll(shards.Select(s => s.Grain.Load(s.Assignment))), "loading the shards", cancellation);
        S.Placement = loads.Select(l => l.Silo).ToList();
        int n = loads[0].Summary.Columns;
        long rows = 0, nonZeros = 0;
        double sum = 0, squares = 0;
        float largest = 0;
        for (int i = 0; i < loads.Length; i++)
        {
            var summary = loads[i].Summary;
            Event($"shard {i}: {summary.Rows} rows, {summary.NonZeros} non-zeros, on silo {loads[i].Silo}");
            if (summary.Columns != n)
                throw new NmfShardException(string.Create(CultureInfo.InvariantCulture, $"Shard {i} has {summary.Columns} columns but shard 0 has {n}; all shards must come from one featurization."));
            rows += summary.Rows;
            nonZeros += summary.NonZeros;
            sum += summary.Sum;
            squares += summary.SquaredNorm;
            largest = MathF.Max(largest, summary.Largest);
        }
        if (rows > int.MaxValue)
            throw new NmfShardException(string.Create(CultureInfo.InvariantCulture, $"The shards hold {rows} rows together; up to {int.MaxValue} are supported."));
        if (sum == 0)
            throw new NmfShardException("Every shard is all zeros; there is nothing to factorize.");
        int k = request.Rank;
        // As NmfEngine.FitBlocks: data beyond what float products carry is fitted scaled by an exact power of two (each
        // shard scales its rows), the components and objectives scaled back at the end; ordinary data as it is.
        var dataScale = NmfBlockScale.For(largest, squares, options);
        if (!dataScale.IsNone)
            Event(string.Create(CultureInfo.InvariantCulture, $"the data's values (largest {largest:G6}) are outside the range float products carry exactly; fitting X / 2^{dataScale.Exponent} and scaling H by 2^{dataScale.ComponentsExponent}"));
        double scale = NmfBlockStart.RandomScale(Math.ScaleB(sum, -dataScale.Exponent), rows, n, k);
        var components = new NmfComponentState(NmfBlockStart.RandomComponents(request.Seed, k, n, scale), n, (int)rows, nonZeros, dataScale.Apply(options));
        var plan = new ShardPlan
        {
            DataExponent = dataScale.Exponent, ComponentsExponent = dataScale.ComponentsExponent,
            Rank = k, Columns = n, Seed = request.Seed, Scale = scale,
            PenaltyL1 = components.PenaltyW.L1, PenaltyL2 = components.PenaltyW.L2,
            ProjectionTolerance = options.ProjectionTolerance, ProjectionMaxIterations = options.ProjectionMaxIterations,
        };
        var starts = await RetryAsync(() => Task.WhenAll(shards.Select(s => s.Grain.Start(s.Assignment, plan))), "drawing the start", cancellation);
        components.Start(SumInOrder(starts, k, n));
        S.Plan = plan;
        S.Rows = (int)rows;
        S.NonZeros = nonZeros;
        S.SquaredNorm = Math.ScaleB(squares, -2 * dataScale.Exponent); // of the data the shards fit
        Record(components);
        S.Phase = NmfClusterFitPhase.Iterating;
        Event(string.Create(CultureInfo.InvariantCulture,
            $"plan: {rows} x {n}, {nonZeros} non-zeros in {shards.Length} shards; rank {k}; at most {components.WSweeps}/{components.HSweeps} sweeps per W/H update"));
        await _state.WriteAsync();
        return components;
    }

    private async Task IterateAsync(NmfComponentState components, (INmfShardGrain Grain, ShardAssignment Assignment)[] shards, CancellationToken cancellation)
    {
        int t = S.Iteration + 1;
        var plan = S.Plan!;
        var clock = Stopwatch.StartNew();
        var input = components.NextStep(); // drawn once per iteration: a retry sends the same input
        bool failed = false;
        var results = await RetryAsync(() => Task.WhenAll(shards.Select(s => s.Grain.Step(s.Assignment, plan, t, input))),
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
        if (failed || reassigned.Count > 0 || results.Any(r => r.Restored))
        {
            S.Resumptions.Add(new NmfClusterResumption(t, t - 1, reassigned));
            Event($"iteration {t} resumed from the checkpoint of iteration {t - 1}; reassigned: {(reassigned.Count == 0 ? "none" : string.Join("; ", reassigned))}");
        }

        // In shard order, whichever silo answered first: the single-machine fit adds its blocks in the same order.
        var total = SumInOrder(results, plan.Rank, plan.Columns);
        bool finished = await Task.Run(() => components.Update(total));
        Record(components);
        if (finished)
            S.Phase = NmfClusterFitPhase.Finishing;
        S.BytesPerIteration = BlockStepInputConverter.PayloadBytes(input) * shards.Length + results.Sum(r => BlockStatisticsConverter.PayloadBytes(r.Statistics));
        // Each shard rewrites its state with its last two W_b; the coordinator writes Hᵀ.
        S.CheckpointBytesPerIteration = (long)plan.Columns * plan.Rank * sizeof(float) + 2L * S.Rows * plan.Rank * sizeof(float);
        S.IterationSeconds.Add(clock.Elapsed.TotalSeconds);
        await _state.WriteAsync();
        _log.LogInformation("NMF fit {FitId}: iteration {Iteration}, objective {Objective:G8}, {Bytes} bytes sent, {Seconds:F3} s.",
            FitId, t, S.LossHistory[^1], S.BytesPerIteration, clock.Elapsed.TotalSeconds);
        DelayDeactivation(TimeSpan.FromMinutes(30));
    }

    private async Task FinishAsync(NmfClusterFitRequest request, ShardManifest manifest, NmfComponentState components,
        (INmfShardGrain Grain, ShardAssignment Assignment)[] shards, CancellationToken cancellation)
    {
        var plan = S.Plan!;
        var ht = components.ComponentsTransposed;
        var results = await RetryAsync(() => Task.WhenAll(shards.Select(s => s.Grain.Finish(s.Assignment, plan, ht, request.FeaturesDirectory))),
            "the final projection", cancellation);
        var evaluation = default(NmfBlockEvaluation);
        foreach (var r in results)
            evaluation = evaluation.Add(r.Evaluation);
        S.RelativeError = S.SquaredNorm > 0 ? Math.Sqrt(evaluation.SquaredError / S.SquaredNorm) : 0;
        S.FeaturesPaths = results.Where(r => r.FeaturesPath is not null).Select(r => r.FeaturesPath!).ToList();
        // Grain state is read here, on the grain's scheduler; the writing runs on the thread pool.
        var h = NmfShardGrain.Components(ht, plan);
        var dataScale = plan.DataScale;
        if (!dataScale.IsNone)
            h = new Engine.Matrices.DenseMatrix(plan.Rank, plan.Columns, dataScale.UnscaleComponents(h.Values, plan.Rank, plan.Columns));
        int iterations = S.Iteration;
        bool converged = S.Converged;
        var history = Unscaled(S.LossHistory);
        double relativeError = S.RelativeError;
        double divergence = 0.5 * evaluation.SquaredError * dataScale.ObjectiveFactor;
        try
        {
            await Task.Run(() => ClusterModelWriter.Write(request, manifest, h, iterations, converged, history, relativeError, divergence));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new InvalidOperationException(
                $"The model could not be written to '{request.ModelPath}': {e.Message} Set ModelPath to a file in a folder the silos can create and write.", e);
        }
        S.Phase = NmfClusterFitPhase.Completed;
        Event(string.Create(CultureInfo.InvariantCulture, $"completed after {S.Iteration} iterations; relative error {S.RelativeError:F6}; model written to {request.ModelPath}"));
        await _state.WriteAsync();
        foreach (var s in shards)
        {
            try { await s.Grain.Clear(); }
            catch (Exception e) when (e is not OutOfMemoryException) { _log.LogWarning(e, "NMF fit {FitId}: could not clear a shard checkpoint.", FitId); }
        }
    }

    /// <summary>The options, and the rank against the manifest's features, checked before any shard is loaded.</summary>
    private static void CheckRank(NmfClusterFitRequest request, int features)
    {
        request.ToOptions().Validate();
        int k = request.Rank;
        if (k > features)
            throw new ArgumentOutOfRangeException(nameof(request.Rank), k, string.Create(CultureInfo.InvariantCulture,
                $"Rank {k} is above the number of features ({features}): with more components than features the factorization has no unique meaning, and memory grows with Rank. Use Rank <= {features}."));
        if ((long)features * k + 8 > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(request.Rank), k, string.Create(CultureInfo.InvariantCulture,
                $"Rank {k} on {features} features needs arrays of {(long)features * k} values, more than a .NET array can hold ({Array.MaxLength}). Lower the rank."));
    }

    private void Record(NmfComponentState components)
    {
        var checkpoint = components.Checkpoint();
        S.Iteration = checkpoint.Iterations;
        S.FirstViolation = checkpoint.FirstViolation;
        S.Converged = checkpoint.Converged;
        S.LossHistory = checkpoint.LossHistory.ToList();
        var ht = components.ComponentsTransposed;
        S.Components = MemoryMarshal.AsBytes(ht.AsSpan(0, S.Plan is null ? ht.Length - 8 : S.Plan.Columns * S.Plan.Rank)).ToArray();
    }

    /// <summary>The loss history of the data as given: the shards' objectives scaled back when the data was rescaled.</summary>
    private double[] Unscaled(List<double> history)
    {
        double factor = S.Plan is { } plan ? plan.DataScale.ObjectiveFactor : 1;
        return factor == 1 ? history.ToArray() : history.Select(v => v * factor).ToArray();
    }

    private static float[] Transposed(byte[] stored)
    {
        var values = MemoryMarshal.Cast<byte, float>(stored);
        var ht = new float[values.Length + 8]; // the engine's factor layout: 8 spare floats
        values.CopyTo(ht);
        return ht;
    }

    private static NmfBlockStatistics SumInOrder(ShardStepResult[] results, int rank, int columns)
    {
        var total = new NmfBlockStatistics(rank, columns);
        foreach (var r in results)
            total.Add(r.Statistics);
        return total;
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
            // A lost silo is worth retrying; an error that the same call would only repeat is not.
            catch (Exception e) when (e is not (NmfShardException or ArgumentException or ArithmeticException or InvalidDataException or OutOfMemoryException)
                && !cancellation.IsCancellationRequested && DateTime.UtcNow < deadline)
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
        await _state.WriteAsync();
    }

    private void Event(string message)
    {
        string line = $"{DateTime.UtcNow:HH:mm:ss.fff} {message}";
        S.Events.Add(line);
        _log.LogInformation("NMF fit {FitId}: {Event}", FitId, message);
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();

    private NmfClusterFitStatus Status() => _damaged is not null
        ? new() { FitId = FitId, Phase = NmfClusterFitPhase.Failed, Error = _damaged }
        : new()
    {
        FitId = FitId,
        Phase = S.Request is null ? NmfClusterFitPhase.None : S.Phase,
        Iteration = S.Iteration,
        MaxIterations = S.Request?.MaxIterations ?? 0,
        LossHistory = Unscaled(S.LossHistory),
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
