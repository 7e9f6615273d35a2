using System.Reflection;
using Microsoft.ML;

namespace MLNet.Nmf.Tests.MLNet;

/// <summary>ML.NET's plumbing stays off the public types users see in IntelliSense.</summary>
public class PublicSurfaceTests
{
    [Theory]
    [InlineData(typeof(NmfTransformer))]
    [InlineData(typeof(NmfEstimator))]
    [InlineData(typeof(NmfModelParameters))]
    public void PublicType_ShowsNoMLNetPlumbingMember(Type type)
    {
        var members = type.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static).Select(m => m.Name).ToHashSet();
        members.Should().NotContain(new[] { "SaveModel", "MakeRowMapper", "CheckInputColumn", "Save", "Host", "ColumnPairs", "MakeDataTransform" });
        type.BaseType.Should().Be(typeof(object), "deriving from ML.NET's internal base classes is what leaked their members");
    }

    [Fact]
    public void NmfTransformer_IsAnITransformerThatMLNetCanSave()
    {
        typeof(ITransformer).IsAssignableFrom(typeof(NmfTransformer)).Should().BeTrue();
        typeof(ICanSaveModel).IsAssignableFrom(typeof(NmfTransformer)).Should().BeTrue();
    }
}
