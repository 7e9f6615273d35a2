using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MLNet.Nmf.Orleans.Hosting;

namespace MLNet.Nmf.Cluster;

/// <summary><c>silo --port P --gateway G --clustering C [--primary P0] [--checkpoints DIR] [--threads T]</c>: runs a silo with the NMF grains until stopped.</summary>
internal static class SiloCommand
{
    public static async Task<int> RunAsync(CommandLine args)
    {
        int port = args.Int("--port", min: 1);
        int gateway = args.Int("--gateway", min: 1);
        string clustering = args.Required("--clustering");
        int primary = args.Int("--primary", fallback: 11111, min: 1);
        string? checkpoints = args.Optional("--checkpoints") is { } dir ? Path.GetFullPath(dir) : null;
        NmfCluster.ShardDegreeOfParallelism = args.Int("--threads", fallback: Environment.ProcessorCount, min: 1);
        args.CheckAllUsed();

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("MLNet.Nmf", LogLevel.Information);
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
        builder.UseOrleans(silo =>
        {
            Clustering.ConfigureSilo(silo, clustering, port, gateway, primary, checkpoints);
            silo.AddNmf();
        });
        using var host = builder.Build();
        await host.StartAsync();
        Console.WriteLine($"NMF silo ready: 127.0.0.1:{port}, gateway {gateway}, pid {Environment.ProcessId}");
        await host.WaitForShutdownAsync();
        return 0;
    }
}
