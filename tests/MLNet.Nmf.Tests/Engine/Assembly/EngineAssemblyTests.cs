using System.Reflection;
using MLNet.Nmf.Engine;

namespace MLNet.Nmf.Tests.Engine.Assembly;

/// <summary>
/// The engine is its own assembly with no ML.NET reference (the build refuses one too: target
/// RefuseMLNetReferences in MLNet.Nmf.Engine.csproj); the ML.NET room reaches it through its public surface only.
/// </summary>
public class EngineAssemblyTests
{
    private static readonly System.Reflection.Assembly Engine = typeof(NmfEngine).Assembly;

    [Fact]
    public void EngineAssembly_ReferencesNoMLNetAssembly()
    {
        Engine.GetName().Name.Should().Be("MLNet.Nmf.Engine");
        var references = Engine.GetReferencedAssemblies().Select(a => a.Name!).ToArray();
        references.Should().NotBeEmpty("the engine references at least the runtime");
        references.Should().NotContain(name => name.StartsWith("Microsoft.ML", StringComparison.Ordinal),
            "the engine must not reference ML.NET; its references are: " + string.Join(", ", references));
    }

    [Fact]
    public void EngineAssembly_GrantsInternalsToTheTestsOnly()
    {
        var friends = Engine.GetCustomAttributes<System.Runtime.CompilerServices.InternalsVisibleToAttribute>().Select(a => a.AssemblyName).ToArray();
        friends.Should().Equal(new[] { "MLNet.Nmf.Tests" }, "MLNet.Nmf must use the engine's public surface only");
    }

    [Fact]
    public void MLNetRoom_ReferencesTheEngineAssembly()
    {
        var room = typeof(Microsoft.ML.NmfCatalog).Assembly;
        room.GetReferencedAssemblies().Select(a => a.Name).Should().Contain("MLNet.Nmf.Engine");
    }
}
