using System.Xml.Linq;
using MLNet.Nmf.MLNetInterop;

namespace MLNet.Nmf.Tests.MLNet;

/// <summary>The package's Microsoft.ML range, and the clear error when the loaded ML.NET is outside it.</summary>
public class SupportedMLNetTests
{
    [Fact]
    public void Range_IsTwoEnded_AndIsWhatTheProjectReferences()
    {
        SupportedMLNet.Range.Should().Be("[5.0.1, 5.0.2)");
        string csproj = Path.Combine(Readme.ReadmeSnippet.RepositoryRoot(), "src", "MLNet.Nmf", "MLNet.Nmf.csproj");
        XDocument.Load(csproj).Descendants("MLNetVersionRange").Single().Value.Should().Be(SupportedMLNet.Range);
    }

    [Fact]
    public void LoadedMLNet_IsInsideTheRange()
    {
        SupportedMLNet.Loaded().Select(l => l.Assembly).Should().Equal("Microsoft.ML.Core", "Microsoft.ML.Data");
        SupportedMLNet.Check(SupportedMLNet.Loaded()).Should().BeNull();
        SupportedMLNet.Check(new[] { ("Microsoft.ML.Core", "5.0.1+a4f730ec") }).Should().BeNull();
    }

    [Theory]
    [InlineData("5.0.0+abc", "5.0.0")]
    [InlineData("5.0.2", "5.0.2")]
    [InlineData("5.1.0-preview.1+abc", "5.1.0-preview.1")]
    [InlineData("4.0.2+abc", "4.0.2")]
    public void VersionOutsideTheRange_GivesAMessageNamingTheRangeAndTheLoadedVersion(string informational, string shown)
    {
        var error = SupportedMLNet.Check(new[] { ("Microsoft.ML.Core", "5.0.1+x"), ("Microsoft.ML.Data", informational) });
        error.Should().BeOfType<NotSupportedException>();
        error!.Message.Should().Be($"MLNet.Nmf {typeof(NmfOptions).Assembly.GetName().Version!.ToString(3)} supports Microsoft.ML [5.0.1, 5.0.2) only (it relies on ML.NET internals that can change in any release), " +
            $"but Microsoft.ML.Data {shown} is loaded. Reference Microsoft.ML 5.0.1, or an MLNet.Nmf version built for Microsoft.ML {shown}.");
    }
}
