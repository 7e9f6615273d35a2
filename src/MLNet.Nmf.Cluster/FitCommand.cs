using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MLNet.Nmf.Orleans.Client;

namespace MLNet.Nmf.Cluster;

/// <summary>
/// <c>fit --manifest M --rank K --iterations N --seed S --out MODEL [--features-out DIR] [--clustering C] [--gateway G]
/// [--tolerance T] [--fit-id ID] [--report JSON] [--connect-timeout SECONDS] [--unreachable-timeout SECONDS]</c>: runs a fit on the cluster and waits for it, printing progress;
/// with the id of a running fit it reattaches instead of starting another.
/// </summary>
internal static class FitCommand
{
    public static async Task<int> RunAsync(CommandLine args)
    {
        var request = new NmfClusterFitRequest
        {
            ManifestPath = Path.GetFullPath(args.Required("--manifest")),
            ModelPath = Path.GetFullPath(args.Required("--out")),
            Rank = args.Int("--rank", min: 1),
            MaxIterations = args.Int("--iterations", min: 1),
            Seed = args.Int("--seed"),
            Tolerance = args.Double("--tolerance", 0),
            FeaturesDirectory = args.Optional("--features-out") is { } f ? Path.GetFullPath(f) : null,
        };
        string clustering = args.Optional("--clustering") ?? "localhost";
        int gateway = args.Int("--gateway", fallback: 30000, min: 1);
        string? fitId = args.Optional("--fit-id");
        string? report = args.Optional("--report");
        int connectTimeout = args.Int("--connect-timeout", fallback: 30, min: 1);
        int unreachableTimeout = args.Int("--unreachable-timeout", fallback: 300, min: 1);
        args.CheckAllUsed();
        CheckReportWritable(report);
        Clustering.CheckRedis(clustering);

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // Each refused connection attempt would print a warning with a stack trace; the error below says it once.
        builder.Logging.AddFilter("Orleans.Runtime.Messaging", LogLevel.Error);
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        builder.UseOrleansClient(client => Clustering.ConfigureClient(client, clustering, gateway));
        using var host = builder.Build();
        await ConnectAsync(host, clustering, gateway, connectTimeout);
        var nmf = new NmfClusterClient(host.Services.GetRequiredService<IClusterClient>()) { UnreachableTimeout = TimeSpan.FromSeconds(unreachableTimeout) };

        fitId ??= Guid.NewGuid().ToString("N");
        var existing = await nmf.GetStatusAsync(fitId);
        if (existing.Phase == NmfClusterFitPhase.None)
        {
            await nmf.StartAsync(request, fitId);
            Console.WriteLine($"fit {fitId} started: {request.ManifestPath}, rank {request.Rank}, {request.MaxIterations} iterations, seed {request.Seed}");
        }
        else
        {
            Console.WriteLine($"fit {fitId}: reattached ({existing.Phase}, iteration {existing.Iteration})");
        }

        int printedEvents = 0, printedIteration = -1;
        var progress = new Progress(status =>
        {
            for (; printedEvents < status.Events.Count; printedEvents++)
                Console.WriteLine($"event: {status.Events[printedEvents]}");
            // A fit that failed while starting has no objective to print.
            if (status.Iteration != printedIteration && status.Phase != NmfClusterFitPhase.Starting && status.LossHistory.Count > 0)
            {
                printedIteration = status.Iteration;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"iteration {status.Iteration}/{status.MaxIterations} objective {status.LossHistory[^1]:G8} bytes/iteration {status.BytesPerIteration}"));
            }
        });
        NmfClusterFitStatus final;
        // Ctrl+C and SIGTERM stop the host's lifetime, not the process: waiting must end with it (it polled on until SIGKILL).
        var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        try
        {
            final = await nmf.WaitAsync(fitId, progress, stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            Console.Error.WriteLine($"interrupted: fit {fitId} goes on in the cluster; reattach with --fit-id {fitId}.");
            return 130;
        }
        catch (NmfClusterFitException e)
        {
            progress.Report(e.Status);
            WriteReport(report, e.Status);
            Console.Error.WriteLine($"error: {e.Status.Error}");
            return 1;
        }
        catch (TimeoutException e)
        {
            // Every silo the client knew was lost for --unreachable-timeout; the fit may resume when they come back.
            throw new CommandException($"{e.Message.Split('\n')[0]} Reattach with --fit-id {fitId} once the cluster is back.", e);
        }
        progress.Report(final);
        WriteReport(report, final);
        double median = Median(final.IterationSeconds);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"done: {final.Iteration} iterations, relative error {final.RelativeError:F6}, median {median:F3} s/iteration, {final.BytesPerIteration} bytes sent/iteration, {final.CheckpointBytesPerIteration} checkpoint bytes/iteration, model {final.ModelPath}"));
        foreach (var r in final.Resumptions)
            Console.WriteLine($"resumed: iteration {r.FailedIteration} redone from the checkpoint of iteration {r.ResumedFrom}; reassigned: {(r.ReassignedShards.Count == 0 ? "none" : string.Join("; ", r.ReassignedShards))}");
        await host.StopAsync();
        return 0;
    }

    private static async Task ConnectAsync(IHost host, string clustering, int gateway, int seconds)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        try
        {
            await host.StartAsync(limit.Token).WaitAsync(limit.Token);
        }
        catch (Exception e) when (Clustering.RedisUnreachable(e, clustering) is { } error)
        {
            throw error;
        }
        catch (Exception e) when (e is OperationCanceledException or OrleansException or TimeoutException)
        {
            string where = Clustering.IsLocalhost(clustering)
                ? string.Create(CultureInfo.InvariantCulture, $"at gateway port {gateway} (clustering localhost)")
                : "through the Redis clustering given";
            throw new CommandException(string.Create(CultureInfo.InvariantCulture,
                $"No silo of the cluster answered {where} within {seconds} s: start the silos first (`silo ...`), or give the --clustering and --gateway of a running cluster."), e);
        }
    }

    /// <summary>
    /// Refuses a --report path that cannot be written before the fit starts (it is written only after the fit, or as it
    /// fails): its folder must exist and a file must be creatable there. A file this check creates is removed again.
    /// </summary>
    private static void CheckReportWritable(string? report)
    {
        if (report is null)
            return;
        string path = Path.GetFullPath(report);
        if (Directory.Exists(path))
            throw new CommandException($"--report '{report}' is a folder; give the path of a file to write the fit's status to.");
        string? folder = Path.GetDirectoryName(path);
        if (folder is not null && !Directory.Exists(folder))
            throw new CommandException($"--report '{report}': the folder '{folder}' does not exist; create it or give a path in an existing folder.");
        bool existed = File.Exists(path);
        try
        {
            using (new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
            {
            }
            if (!existed)
                File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandException($"--report '{report}' cannot be written ({e.Message}); give a path in a folder you can write to.", e);
        }
    }

    private static void WriteReport(string? path, NmfClusterFitStatus status)
    {
        if (path is null)
            return;
        File.WriteAllText(path, JsonSerializer.Serialize(status, new JsonSerializerOptions { WriteIndented = true }));
    }

    private static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
            return 0;
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]);
    }

    /// <summary>Runs the callback on the caller's thread (System.Progress would post to the thread pool, out of order).</summary>
    private sealed class Progress(Action<NmfClusterFitStatus> report) : IProgress<NmfClusterFitStatus>
    {
        public void Report(NmfClusterFitStatus value) => report(value);
    }
}
