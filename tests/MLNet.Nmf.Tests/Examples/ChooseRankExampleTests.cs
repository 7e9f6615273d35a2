using System.Diagnostics;

namespace MLNet.Nmf.Tests.Examples;

/// <summary>
/// The ChooseRank example's output folder, as a user runs it from any directory: examples/ChooseRank/output (git-ignored),
/// or the folder given by --output; said on its first line, before any work. (The whole run, dozens of rank-selection fits,
/// is the example's to show, not a test's: each test stops it once the first line is out.)
/// </summary>
public class ChooseRankExampleTests
{
    private static string Example()
    {
        string root = Readme.ReadmeSnippet.RepositoryRoot();
        string configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";
        string example = Path.Combine(root, "examples", "ChooseRank", "bin", configuration, "net10.0", "ChooseRank.dll");
        File.Exists(example).Should().BeTrue($"the example is built beside the tests at {example}");
        return example;
    }

    /// <summary>Starts the example in <paramref name="workingDirectory"/> and returns its first line of output, then stops it.</summary>
    private static async Task<string> FirstLine(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Example());
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        try
        {
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(3));
            return line ?? "(no output) " + await process.StandardError.ReadToEndAsync();
        }
        finally
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }

    [Fact]
    public async Task ChooseRank_RunFromAnotherDirectory_WritesToExamplesChooseRankOutput_NotTheWorkingDirectory()
    {
        // It wrote to output/ under whatever directory it was run from.
        string elsewhere = Directory.CreateTempSubdirectory("chooserank-cwd-").FullName;
        string expected = Path.Combine(Readme.ReadmeSnippet.RepositoryRoot(), "examples", "ChooseRank", "output");

        string first = await FirstLine(elsewhere);

        first.Should().Be($"Writing digits-rank.png, text-rank.png and imputation.png to {expected} (--output DIR to choose another folder).");
        Directory.Exists(expected).Should().BeTrue();
        Directory.EnumerateFileSystemEntries(elsewhere).Should().BeEmpty("nothing is written to the working directory");
        Directory.Delete(elsewhere);
    }

    [Fact]
    public async Task ChooseRank_WithOutput_WritesToThatFolder_CreatingIt()
    {
        string elsewhere = Directory.CreateTempSubdirectory("chooserank-out-").FullName;
        string chosen = Path.Combine(elsewhere, "pictures");

        string first = await FirstLine(elsewhere, "--output", chosen);

        first.Should().Be($"Writing digits-rank.png, text-rank.png and imputation.png to {chosen} (--output DIR to choose another folder).");
        Directory.Exists(chosen).Should().BeTrue();
        Directory.Delete(elsewhere, recursive: true);
    }

    [Theory]
    [InlineData(new[] { "--output" }, "--output needs a folder: dotnet run --project examples/ChooseRank -- --output DIR")]
    [InlineData(new[] { "--out", "x" }, "Unknown argument '--out'. Usage: dotnet run --project examples/ChooseRank [-- --output DIR] (default: examples/ChooseRank/output)")]
    public async Task ChooseRank_WithBadArguments_ExitsWithCode2_SayingTheUsage(string[] arguments, string message)
    {
        string elsewhere = Directory.CreateTempSubdirectory("chooserank-args-").FullName;
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = elsewhere, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Example());
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        }
        finally
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }

        process.ExitCode.Should().Be(2, "bad arguments are refused before any work");
        (await error).Trim().Should().Be(message);
        Directory.EnumerateFileSystemEntries(elsewhere).Should().BeEmpty();
        Directory.Delete(elsewhere);
    }
}
