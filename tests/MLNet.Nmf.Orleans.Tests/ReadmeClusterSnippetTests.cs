using MLNet.Nmf.Tests.Readme;

namespace MLNet.Nmf.Orleans.Tests;

/// <summary>
/// The README's "In your own silo and client" block, extracted at run time and compiled against the public API with the
/// usings it shows; what it leaves to the user's host (a silo builder, an MLContext, featurized data, a cluster client)
/// comes in as parameters. (The fit itself, on a real cluster, is ClusterFitTests' work.)
/// </summary>
public class ReadmeClusterSnippetTests
{
    [Fact]
    public void ReadmeClusterSnippet_CompilesAgainstThePublicApi_WithTheUsingsItShows()
    {
        string code = ReadmeSnippet.CSharpBlockUnder("README.md", "## On a cluster (Microsoft Orleans)");
        var lines = code.Split('\n');
        var usings = lines.Where(l => l.StartsWith("using ", StringComparison.Ordinal)).ToArray();
        usings.Should().NotBeEmpty("the block shows the namespaces of NmfShards, NmfClusterClient and AddNmf");
        string program = "using Microsoft.ML;\nusing Orleans;\nusing Orleans.Hosting;\n" + string.Join("\n", usings) + "\n" +
            "_ = (Func<ISiloBuilder, MLContext, IDataView, IClusterClient, Task>)Snippet;\n" +
            "static async Task Snippet(ISiloBuilder siloBuilder, MLContext ml, IDataView featurized, IClusterClient clusterClient)\n{\n" +
            string.Join("\n", lines.Where(l => !l.StartsWith("using ", StringComparison.Ordinal))) + "\n}\n";

        var compile = () => ReadmeSnippet.Compile(program);

        compile.Should().NotThrow(program);
    }
}
