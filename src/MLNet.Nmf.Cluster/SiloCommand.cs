using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
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
        if (checkpoints is not null)
            CheckFolder(checkpoints);
        CheckFree("--port", port);
        CheckFree("--gateway", gateway);
        Clustering.CheckRedis(clustering);

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
        try
        {
            await host.StartAsync();
        }
        catch (Exception e) when (e is AddressInUseException || e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
        {
            // Taken between the check above and the start.
            throw new CommandException(string.Create(CultureInfo.InvariantCulture,
                $"--port {port} or --gateway {gateway} is already in use on this machine: {e.Message}. Choose free ports."), e);
        }
        catch (Exception e) when (Clustering.RedisUnreachable(e, clustering) is { } error)
        {
            throw error;
        }
        Console.WriteLine($"NMF silo ready: 127.0.0.1:{port}, gateway {gateway}, pid {Environment.ProcessId}");
        await host.WaitForShutdownAsync();
        return 0;
    }

    /// <summary>
    /// Refuses a --checkpoints that is a file or cannot be created: the silo started all the same, and every fit then
    /// failed when its grains first reached the storage.
    /// </summary>
    private static void CheckFolder(string checkpoints)
    {
        if (File.Exists(checkpoints))
            throw new CommandException($"--checkpoints '{checkpoints}' is a file; give a folder (the same shared folder on every silo).");
        try
        {
            Directory.CreateDirectory(checkpoints);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandException($"--checkpoints '{checkpoints}' cannot be created ({e.Message}); give a folder every silo can write.", e);
        }
    }

    /// <summary>Refuses, naming the option, a port that something on this machine already listens on.</summary>
    private static void CheckFree(string option, int port)
    {
        foreach (var address in new[] { IPAddress.Loopback, IPAddress.Any })
        {
            var listener = new TcpListener(address, port);
            try
            {
                listener.Start();
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
            {
                throw new CommandException(e.SocketErrorCode == SocketError.AccessDenied
                    ? string.Create(CultureInfo.InvariantCulture, $"{option} {port} cannot be opened: access denied (ports below 1024 need privileges). Choose another port.")
                    : string.Create(CultureInfo.InvariantCulture, $"{option} {port} is already in use on this machine (another silo or program listens there). Choose a free port."), e);
            }
            finally
            {
                listener.Stop();
            }
        }
    }
}
