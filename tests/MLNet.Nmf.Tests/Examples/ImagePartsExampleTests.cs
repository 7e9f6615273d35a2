using System.Buffers.Binary;
using System.Diagnostics;

namespace MLNet.Nmf.Tests.Examples;

/// <summary>The ImageParts example, run as a user would: PNG pictures in its documented, git-ignored output folder.</summary>
public class ImagePartsExampleTests
{
    [Fact]
    public void ImageParts_RunFromAnotherDirectory_WritesThreePngsToExamplesImagePartsOutput()
    {
        string root = Readme.ReadmeSnippet.RepositoryRoot();
        string configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";
        string example = Path.Combine(root, "examples", "ImageParts", "bin", configuration, "net10.0", "ImageParts.dll");
        File.Exists(example).Should().BeTrue($"the example is built beside the tests at {example}");
        string output = Path.Combine(root, "examples", "ImageParts", "output");
        string elsewhere = Directory.CreateTempSubdirectory("imageparts-cwd-").FullName;
        var started = DateTime.UtcNow.AddSeconds(-2);

        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = elsewhere, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(example);
        using var process = Process.Start(start)!;
        string log = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        process.ExitCode.Should().Be(0, log);

        log.Should().Contain($"Wrote parts.png, reconstructions.png and loss.png to {output}");
        Directory.EnumerateFileSystemEntries(elsewhere).Should().BeEmpty("nothing is written to the working directory");
        foreach (var (name, minWidth) in new[] { ("parts.png", 600), ("reconstructions.png", 600), ("loss.png", 700) })
        {
            string path = Path.Combine(output, name);
            File.GetLastWriteTimeUtc(path).Should().BeAfter(started, $"{name} is written by this run");
            var bytes = File.ReadAllBytes(path);
            bytes.Take(8).Should().Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, $"{name} is a PNG");
            BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16, 4)).Should().BeGreaterThanOrEqualTo(minWidth, $"{name} is a readable size");
            bytes.Length.Should().BeGreaterThan(10_000, $"{name} holds a drawn picture, not a blank canvas");
        }
        Directory.Delete(elsewhere);
    }
}
