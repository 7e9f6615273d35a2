using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace MLNet.Nmf.Orleans.Tests;

/// <summary>
/// The ready CLI (src/MLNet.Nmf.Cluster) run as the user runs it, a separate process: a user's mistake ends it with
/// "error: ..." naming the input and what to do, a non-zero exit code and no stack trace.
/// </summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "nmf-cli-tests", Guid.NewGuid().ToString("N"));

    public CommandLineTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static string CliPath()
    {
        // Built beside this project (ProjectReference, not referenced as an assembly).
        string configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";
        string root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."));
        string path = Path.Combine(root, "src", "MLNet.Nmf.Cluster", "bin", configuration, "net10.0", "MLNet.Nmf.Cluster.dll");
        File.Exists(path).Should().BeTrue($"the CLI must be built at {path}");
        return path;
    }

    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(CliPath());
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The CLI did not exit within 60 s: {string.Join(' ', args)}");
        }
        return (process.ExitCode, output.Result, error.Result);
    }

    private static void ShouldBeAUserError((int ExitCode, string Output, string Error) run, string expected)
    {
        run.ExitCode.Should().Be(1, run.Output + run.Error);
        run.Error.Should().StartWith("error: ").And.Contain(expected);
        (run.Output + run.Error).Should().NotContain("   at ", "a user's mistake gets a message, not a stack trace").And.NotContain("Unhandled exception");
    }

    [Fact]
    public void Split_AnInputWithNoRows_SaysSoNamingTheFile()
    {
        string input = Path.Combine(_root, "header-only.tsv");
        File.WriteAllText(input, "Package\tSection\tDescription\n");

        var run = Run("split", "--input", input, "--shards", "2", "--out", Path.Combine(_root, "shards"));

        ShouldBeAUserError(run, $"--input '{input}' has no rows");
    }

    [Fact]
    public void Split_AGzInputThatIsNotGzip_SaysSo_AndLeavesNoTemporaryFile()
    {
        string input = Path.Combine(_root, "corpus.tsv.gz");
        File.WriteAllText(input, "Package\tSection\tDescription\n"); // plain text named .gz
        string output = Path.Combine(_root, "shards");

        var run = Run("split", "--input", input, "--shards", "2", "--out", output);

        ShouldBeAUserError(run, $"--input '{input}' cannot be decompressed as gzip");
        Directory.Exists(output).Should().BeTrue();
        Directory.GetFiles(output).Should().BeEmpty("the decompressed copy is removed");
    }

    [Fact]
    public void Split_MoreShardsThanRows_SaysSoNamingBothCounts()
    {
        string input = Path.Combine(_root, "three.tsv");
        File.WriteAllLines(input, File.ReadLines(Corpus.DataPath).Take(4));

        var run = Run("split", "--input", input, "--shards", "5", "--out", Path.Combine(_root, "shards"));

        ShouldBeAUserError(run, "The data has 3 rows, fewer than the 5 shards asked for.");
    }

    [Fact]
    public void Fit_WithNoClusterListening_SaysNoSiloAnsweredWithinTheTimeout()
    {
        int nothingListens = FreePorts.Take();

        var run = Run("fit", "--manifest", Path.Combine(_root, "shards.json"), "--rank", "3", "--iterations", "2", "--seed", "1",
            "--out", Path.Combine(_root, "model.zip"), "--gateway", FreePorts.Text(nothingListens), "--connect-timeout", "1");

        ShouldBeAUserError(run, $"No silo of the cluster answered at gateway port {nothingListens} (clustering localhost) within 1 s");
    }

    [Fact]
    public void Fit_WithAReportInAFolderThatDoesNotExist_SaysSoNamingReport_BeforeConnecting()
    {
        // The report used to be written only after the whole fit, which then ended with an unhandled
        // DirectoryNotFoundException; no cluster listens here, so an error naming --report proves it is checked first.
        string report = Path.Combine(_root, "no-such-folder", "status.json");

        var run = Run("fit", "--manifest", Path.Combine(_root, "shards.json"), "--rank", "3", "--iterations", "2", "--seed", "1",
            "--out", Path.Combine(_root, "model.zip"), "--gateway", FreePorts.Text(FreePorts.Take()), "--connect-timeout", "1", "--report", report);

        ShouldBeAUserError(run, $"--report '{report}': the folder '{Path.GetDirectoryName(report)}' does not exist; create it or give a path in an existing folder.");
    }

    [Fact]
    public void Fit_WithAReportThatIsAFolder_SaysSoNamingReport_BeforeConnecting()
    {
        var run = Run("fit", "--manifest", Path.Combine(_root, "shards.json"), "--rank", "3", "--iterations", "2", "--seed", "1",
            "--out", Path.Combine(_root, "model.zip"), "--gateway", FreePorts.Text(FreePorts.Take()), "--connect-timeout", "1", "--report", _root);

        ShouldBeAUserError(run, $"--report '{_root}' is a folder; give the path of a file to write the fit's status to.");
    }

    [Fact]
    public void Silo_OnAPortAlreadyInUse_SaysWhichOption()
    {
        var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            int port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
            string siloPort = FreePorts.Text(FreePorts.Take()); // free, so that the error can only be the gateway's

            var run = Run("silo", "--port", siloPort, "--gateway", FreePorts.Text(port),
                "--clustering", "localhost", "--primary", siloPort, "--checkpoints", Path.Combine(_root, "checkpoints"));

            ShouldBeAUserError(run, $"--gateway {port} is already in use on this machine");
        }
        finally
        {
            taken.Stop();
        }
    }

    [Fact]
    public void Silo_WithCheckpointsThatIsAFile_SaysSoNamingCheckpoints_InsteadOfStarting()
    {
        // The silo started, and every fit on it failed when its grains first reached the storage.
        string file = Path.Combine(_root, "a-file");
        File.WriteAllText(file, "not a folder");
        int[] ports = FreePorts.Take(2);

        var run = Run("silo", "--port", FreePorts.Text(ports[0]), "--gateway", FreePorts.Text(ports[1]),
            "--clustering", "localhost", "--primary", FreePorts.Text(ports[0]), "--checkpoints", file);

        ShouldBeAUserError(run, $"--checkpoints '{file}' is a file; give a folder (the same shared folder on every silo).");
    }

    [Fact]
    public void Silo_WithRedisClusteringWhereNoRedisListens_SaysSoNamingClustering()
    {
        int[] ports = FreePorts.Take(3); // nothing listens on any of them now
        string redis = $"127.0.0.1:{ports[0]},connectTimeout=500"; // the user's own Redis settings apply to the check

        var run = Run("silo", "--port", FreePorts.Text(ports[1]), "--gateway", FreePorts.Text(ports[2]), "--clustering", redis);

        ShouldBeAUserError(run, $"--clustering '{redis}': no Redis server answered");
    }

    [Fact]
    public async Task Fit_OnARunningSilo_OfAMissingManifest_EndsWithTheClustersErrorAndExitCode1()
    {
        // A fit that failed before its first iteration has no objective yet: printing its progress threw IndexOutOfRange.
        var started = await StartSilo();
        using var silo = started.Process;
        try
        {
            string manifest = Path.Combine(_root, "no-shards", "shards.json");

            var run = Run("fit", "--manifest", manifest, "--rank", "3", "--iterations", "2", "--seed", "1",
                "--out", Path.Combine(_root, "model.zip"), "--gateway", FreePorts.Text(started.Gateway));

            ShouldBeAUserError(run, $"error: The shard manifest '{manifest}' does not exist");
        }
        finally
        {
            silo.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Fit_WhoseOnlySiloDies_EndsAfterTheUnreachableTimeoutWithAMessage_NotAStackTrace()
    {
        string manifest = Corpus.Split(Path.Combine(_root, "shards"), shards: 2, rows: 200);
        var started = await StartSilo();
        using var silo = started.Process;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { CliPath(), "fit", "--manifest", manifest, "--rank", "3", "--iterations", "1000000", "--seed", "1",
                     "--out", Path.Combine(_root, "model.zip"), "--gateway", FreePorts.Text(started.Gateway), "--unreachable-timeout", "2" })
            start.ArgumentList.Add(a);
        using var fit = Process.Start(start)!;
        try
        {
            (await WaitForLine(fit, "iteration ")).Should().BeTrue("the fit should start iterating");
            var output = fit.StandardOutput.ReadToEndAsync();
            var error = fit.StandardError.ReadToEndAsync();

            silo.Kill(entireProcessTree: true); // the cluster's only silo: nothing can answer any more
            // The client gives up after --unreachable-timeout, counted from its first failing call, which may itself wait
            // Orleans' 30 s response timeout; 120 s leaves room for a loaded machine.
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            await fit.WaitForExitAsync(limit.Token);

            ShouldBeAUserError((fit.ExitCode, await output, await error), "could not be reached for 00:00:02");
        }
        finally
        {
            if (!fit.HasExited)
                fit.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Fit_OnTwoSiloProcesses_OneKilledMidFit_ResumesFromTheCheckpoint_AndTheModelIsBitIdenticalToTheSingleMachineFit()
    {
        // The silos are separate processes, as the README runs them; the second one is killed (SIGKILL) mid-fit.
        string manifest = Corpus.Split(Path.Combine(_root, "shards"), shards: 4, rows: 400);
        var primary = await StartSilo();
        using var first = primary.Process;
        var secondary = await StartSilo(primary.SiloPort, threads: 2); // another thread count: the same bits
        using var second = secondary.Process;
        string model = Path.Combine(_root, "model.zip");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { CliPath(), "fit", "--manifest", manifest, "--rank", "5", "--iterations", "300", "--seed", "3",
                     "--out", model, "--gateway", FreePorts.Text(primary.Gateway) })
            start.ArgumentList.Add(a);
        using var fit = Process.Start(start)!;
        try
        {
            (await WaitForLine(fit, "iteration ")).Should().BeTrue("the fit should start iterating");
            var output = fit.StandardOutput.ReadToEndAsync();
            var error = fit.StandardError.ReadToEndAsync();
            second.Kill(entireProcessTree: true);
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await fit.WaitForExitAsync(limit.Token);

            fit.ExitCode.Should().Be(0, await output + await error);
            (await output).Should().MatchRegex("resumed: iteration [0-9]+ redone from the checkpoint of iteration [0-9]+; reassigned: shard [0-9]+: ", "the fit lost a silo that owned shards");
            var request = new Client.NmfClusterFitRequest { ManifestPath = manifest, ModelPath = model, Rank = 5, MaxIterations = 300, Seed = 3, Tolerance = 0 };
            var reference = Corpus.SingleMachineFit(manifest, request);
            var fitted = Corpus.LoadModel(model);
            fitted.Components.ToArray().Should().Equal(reference.H.Values.ToArray(), "the iteration lost with the silo was redone from the checkpoint");
            fitted.LossHistory.Should().Equal(reference.LossHistory);
        }
        finally
        {
            if (!fit.HasExited)
                fit.Kill(entireProcessTree: true);
            first.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Fit_InterruptedBySigterm_StopsWaitingAndSaysHowToReattach_AndTheSiloStopsWithoutAGrainLeftRunning()
    {
        // SIGTERM (and Ctrl+C) were swallowed by the host and the fit command polled on until SIGKILL; the silo, told to
        // stop, waited 30 s for the coordinator's loop and logged "Some grains failed to deactivate promptly".
        string manifest = Corpus.Split(Path.Combine(_root, "shards"), shards: 2, rows: 200);
        var started = await StartSilo();
        using var silo = started.Process;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { CliPath(), "fit", "--manifest", manifest, "--rank", "3", "--iterations", "1000000", "--seed", "1",
                     "--out", Path.Combine(_root, "model.zip"), "--gateway", FreePorts.Text(started.Gateway) })
            start.ArgumentList.Add(a);
        using var fit = Process.Start(start)!;
        try
        {
            string? firstLine = await fit.StandardOutput.ReadLineAsync();
            firstLine.Should().StartWith("fit ");
            string id = firstLine!.Split(' ')[1];
            (await WaitForLine(fit, "iteration ")).Should().BeTrue("the fit should start iterating");
            var output = fit.StandardOutput.ReadToEndAsync();
            var error = fit.StandardError.ReadToEndAsync();

            Signal(fit, "TERM");
            using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
                await fit.WaitForExitAsync(limit.Token);

            fit.ExitCode.Should().Be(130, await output + await error);
            (await error).Should().Contain($"interrupted: fit {id} goes on in the cluster; reattach with --fit-id {id}").And.NotContain("   at ");

            Signal(silo, "TERM"); // its coordinator is still iterating
            using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
                await silo.WaitForExitAsync(limit.Token);
            (await started.Output).Should().NotContain("failed to deactivate promptly");
            // The fit was not failed by its silo's stop: a silo started on these checkpoints goes on from them.
            var storage = new Storage.FileGrainStorage(Path.Combine(_root, "checkpoints"),
                new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>());
            var checkpoint = new GrainState<Grains.FitCheckpoint>(new Grains.FitCheckpoint());
            await storage.ReadStateAsync("fit", GrainId.Create("nmffit", id), checkpoint);
            checkpoint.State!.Phase.Should().Be(Client.NmfClusterFitPhase.Iterating, checkpoint.State.Error);
            checkpoint.State.Iteration.Should().BeGreaterThan(0);
        }
        finally
        {
            if (!fit.HasExited)
                fit.Kill(entireProcessTree: true);
            if (!silo.HasExited)
                silo.Kill(entireProcessTree: true);
        }
    }

    /// <summary>Sends a POSIX signal (TERM, INT) as `kill` does.</summary>
    private static void Signal(Process process, string signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        kill.WaitForExit();
        kill.ExitCode.Should().Be(0);
    }

    /// <summary>
    /// A silo process on localhost clustering on ports chosen at run time, returned with its gateway and silo ports once it
    /// says it is ready; the caller kills it. It is the cluster's first silo, or joins the one at <paramref name="primary"/>.
    /// Should another program take a chosen port before the silo binds it, the silo says so and is started again on other ports.
    /// </summary>
    private async Task<(Process Process, int Gateway, int SiloPort, Task<string> Output)> StartSilo(int? primary = null, int threads = 1)
    {
        for (int attempt = 1; ; attempt++)
        {
            int[] ports = FreePorts.Take(2);
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { CliPath(), "silo", "--port", FreePorts.Text(ports[0]), "--gateway", FreePorts.Text(ports[1]),
                         "--clustering", "localhost", "--primary", FreePorts.Text(primary ?? ports[0]), "--checkpoints", Path.Combine(_root, "checkpoints"),
                         "--threads", FreePorts.Text(threads) })
                start.ArgumentList.Add(a);
            var silo = Process.Start(start)!;
            var error = silo.StandardError.ReadToEndAsync(); // keep draining
            if (await WaitForLine(silo, "NMF silo ready"))
            {
                return (silo, ports[1], ports[0], silo.StandardOutput.ReadToEndAsync()); // keeps draining
            }
            silo.Kill(entireProcessTree: true);
            await silo.WaitForExitAsync();
            string said = await error;
            silo.Dispose();
            if (attempt == 3 || !said.Contains("already in use", StringComparison.Ordinal))
                throw new InvalidOperationException($"The silo did not start: {said}");
        }
    }

    /// <summary>Reads the process's output until a line starts with <paramref name="prefix"/> (true), it ends or 90 s pass (false): a silo starts in seconds, but CI runs the test assemblies side by side on 2 cores.</summary>
    private static async Task<bool> WaitForLine(Process process, string prefix)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            for (string? line; (line = await process.StandardOutput.ReadLineAsync(limit.Token)) is not null;)
                if (line.StartsWith(prefix, StringComparison.Ordinal))
                    return true;
        }
        catch (OperationCanceledException)
        {
        }
        return false;
    }
}
