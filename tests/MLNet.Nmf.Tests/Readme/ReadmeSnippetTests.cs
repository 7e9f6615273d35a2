using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Nmf.Tests.Readme;

/// <summary>
/// The README's "Use" snippet, extracted from README.md at run time, compiled and run on the real Debian sample: it
/// must compile, print real topics (no character n-gram slots, no English stop word among any topic's top 8 terms)
/// and print exactly what the README says it prints.
/// </summary>
[Collection(ConsoleCapture.Name)]
public class ReadmeSnippetTests
{
    // Common English function words; a topic made of these is FeaturizeText's defaults showing through.
    private static readonly HashSet<string> EnglishStopWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be", "been", "but", "by", "can",
        "could", "do", "does", "for", "from", "had", "has", "have", "he", "her", "his", "how", "i", "if", "in", "into",
        "is", "it", "its", "may", "more", "most", "no", "not", "of", "on", "one", "only", "or", "other", "our", "out",
        "she", "so", "some", "such", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this",
        "those", "to", "up", "us", "was", "we", "were", "what", "when", "which", "who", "will", "with", "would", "you", "your",
    };

    [Fact]
    public void ReadmeSnippet_CompilesRunsAndPrintsRealTopics_AsTheReadmeShows()
    {
        var (code, printed) = ReadmeSnippet.Blocks();
        code.Should().Contain(ReadmeSnippet.DataPathLiteral).And.Contain(ReadmeSnippet.ModelPathLiteral);
        string root = ReadmeSnippet.RepositoryRoot();
        string modelPath = Path.Combine(Path.GetTempPath(), $"readme-snippet-{Guid.NewGuid():N}.zip");
        try
        {
            // Run from the repository root as the README says, without changing this process's working directory.
            string data = Path.Combine(root, "examples", "TopicModeling", "Data", "debian-descriptions-sample.tsv");
            string output = ReadmeSnippet.CompileAndRun(code
                .Replace(ReadmeSnippet.DataPathLiteral, "@\"" + data + "\"")
                .Replace(ReadmeSnippet.ModelPathLiteral, "@\"" + modelPath + "\""));

            var topicLines = output.Split('\n').Where(l => l.StartsWith("Topic ")).ToList();
            topicLines.Should().HaveCount(20, "the snippet fits 20 topics and prints each");
            foreach (var line in topicLines)
            {
                var terms = line[(line.IndexOf(':') + 2)..].Split(", ");
                terms.Should().HaveCount(8);
                terms.Should().NotContain(t => EnglishStopWords.Contains(t), $"no topic should be made of stop words ({line})");
            }

            var nmf = LoadNmf(modelPath);
            nmf.SlotNames.Should().NotBeNull().And.NotContain(s => s.StartsWith("Char."), "the snippet's FeaturizeText must emit words only")
                .And.HaveCountGreaterThan(1000, "the sample has thousands of distinct words");
            nmf.GetTopics(8).SelectMany(t => t.Terms).Should().NotContain(t => EnglishStopWords.Contains(t.Term));

            output.Should().Be(printed, "README.md shows the snippet's output in the ```text block after it; update that block when the output changes");
        }
        finally
        {
            File.Delete(modelPath);
        }
    }

    [Fact]
    public void ReadmeOptionFragments_CompileWithOnlyMicrosoftMLAndMLNetNmfUsings()
    {
        var fragments = ReadmeSnippet.Fragments();
        fragments.Should().NotBeEmpty("the README shows NmfOptions with a solver and a loss");
        foreach (var fragment in fragments)
        {
            // A Program.cs with exactly these two usings (plus a console app's implicit ones): the enums must resolve.
            var compile = () => ReadmeSnippet.Compile("using Microsoft.ML;\nusing MLNet.Nmf;\nvar ml = new MLContext();\n" + fragment);
            compile.Should().NotThrow(fragment);
        }
    }

    private static NmfModelParameters LoadNmf(string modelPath)
    {
        var ml = new MLContext();
        var chain = (TransformerChain<ITransformer>)ml.Model.Load(modelPath, out _);
        return chain.OfType<NmfTransformer>().Single().Model;
    }
}
