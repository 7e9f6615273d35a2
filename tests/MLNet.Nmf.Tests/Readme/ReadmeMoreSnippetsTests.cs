using System.Text.RegularExpressions;

namespace MLNet.Nmf.Tests.Readme;

/// <summary>
/// The C# blocks the "Use" test does not cover, extracted from the Markdown at run time, compiled as a console app's
/// Program.cs and run: the README's missing-values / rank-selection block and the engine package's README block.
/// </summary>
[Collection(ConsoleCapture.Name)]
public class ReadmeMoreSnippetsTests
{
    private const string DigitsLiteral = "\"examples/ImageParts/Data/digits.csv\"";
    private const string RanksLiteral = "Enumerable.Range(2, 19)";
    private const string PngLiteral = "\"rank.png\"";

    [Fact]
    public void ReadmeMissingValuesSnippet_CompilesRuns_FillsMissingSlotsAndPrintsTheRankTable()
    {
        string code = ReadmeSnippet.CSharpBlockUnder("README.md", "## Missing values, reconstruction, choosing the rank");
        code.Should().Contain(DigitsLiteral).And.Contain(RanksLiteral).And.Contain(PngLiteral).And.Contain("\npublic class Digit");
        string data = Path.Combine(ReadmeSnippet.RepositoryRoot(), "examples", "ImageParts", "Data", "digits.csv");
        string png = Path.Combine(Path.GetTempPath(), $"readme-rank-{Guid.NewGuid():N}.png");
        // What the snippet's comment says model.Transform(rowsWithNaN) appends, checked on a digit with every third pixel
        // missing: statements before the snippet's class, a class after it.
        const string probe = """
            var probeRow = ml.Data.CreateEnumerable<Digit>(digits, reuseRowObject: false).First();
            probeRow.Pixels = probeRow.Pixels.Select((v, j) => j % 3 == 0 ? float.NaN : v).ToArray();
            var probed = ml.Data.CreateEnumerable<ProbeFilled>(model.Transform(ml.Data.LoadFromEnumerable(new[] { probeRow })), reuseRowObject: false).Single();
            Console.WriteLine($"probe: {probed.Filled.Length} filled, {probed.Filled.Count(float.IsNaN)} NaN, error finite {float.IsFinite(probed.Error)}");

            """;
        const string probeClass = "\npublic class ProbeFilled { [VectorType(64)] public float[] Filled { get; set; } = []; public float Error { get; set; } }\n";
        try
        {
            // Ranks 2..4 instead of the README's 2..20 keep this to a few seconds; the rest runs as it stands.
            string output = ReadmeSnippet.CompileAndRun(code
                .Replace(DigitsLiteral, "@\"" + data + "\"")
                .Replace(RanksLiteral, "Enumerable.Range(2, 3)")
                .Replace(PngLiteral, "@\"" + png + "\"")
                .Replace("\npublic class Digit", "\n" + probe + "public class Digit") + probeClass);

            output.Should().Contain("probe: 64 filled, 0 NaN, error finite True", "Filled has all 64 slots, the missing ones predicted, and Error is measured");
            var lines = output.Split('\n');
            lines.Should().Contain(l => l.Contains("held-out RMSE") && l.Contains("training RMSE") && l.Contains("stability") && l.Contains("seconds"),
                "the comment promises held-out / training RMSE, stability and seconds");
            var rows = lines.Where(l => Regex.IsMatch(l, @"^[* ]\s+\d+\s+\d")).ToList();
            rows.Select(l => int.Parse(l[1..].Trim().Split(' ')[0])).Should().Equal(2, 3, 4);
            rows.Should().ContainSingle(l => l.StartsWith('*'), "the best rank is marked *");
            File.ReadAllBytes(png).Take(8).Should().Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, "SavePng writes a PNG");
        }
        finally
        {
            File.Delete(png);
        }
    }

    [Fact]
    public void EngineReadmeSnippet_CompilesRuns_AndPrintsIterationsAndRelativeError()
    {
        string code = ReadmeSnippet.CSharpBlockUnder(Path.Combine("src", "MLNet.Nmf.Engine", "README.md"), "# MLNet.Nmf.Engine");

        string output = ReadmeSnippet.CompileAndRun(code);

        var printed = Regex.Match(output, @"^(\d+) iterations, relative error (\d+\.\d{4})\n$");
        printed.Success.Should().BeTrue($"the snippet prints one line '<n> iterations, relative error <e>', not:\n{output}");
        int.Parse(printed.Groups[1].Value).Should().BeInRange(1, 200, "the default MaxIterations is 200");
        double.Parse(printed.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture).Should().BeInRange(0, 1);
    }
}
