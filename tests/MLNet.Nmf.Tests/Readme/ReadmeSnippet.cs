using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace MLNet.Nmf.Tests.Readme;

/// <summary>
/// The README's <c>csharp</c> block, compiled at run time as the Program.cs of a new console app (implicit usings on)
/// against the assemblies this test runs with, and run in this process with its console output captured.
/// </summary>
internal static partial class ReadmeSnippet
{
    public const string DataPathLiteral = "\"examples/TopicModeling/Data/debian-descriptions-sample.tsv\"";
    public const string ModelPathLiteral = "\"model.zip\"";

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "README.md")) && File.Exists(Path.Combine(dir.FullName, "MLNet.Nmf.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"No README.md beside MLNet.Nmf.sln above {AppContext.BaseDirectory}.");
    }

    public static string Readme() => File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));

    /// <summary>The first ```csharp block (the "Use" snippet; .ci/package-check runs the same one) and the ```text block
    /// that follows it (what the README says it prints).</summary>
    public static (string Code, string PrintedText) Blocks()
    {
        string readme = Readme().Replace("\r\n", "\n");
        int use = readme.IndexOf("\n## Use\n", StringComparison.Ordinal);
        var code = CSharpBlock().Match(readme, Math.Max(0, use));
        if (use < 0 || !code.Success)
            throw new InvalidOperationException("README.md has no ```csharp block under its \"## Use\" heading.");
        if (CSharpBlock().Match(readme).Index != code.Index)
            throw new InvalidOperationException("The first ```csharp block of README.md must be the \"## Use\" snippet (.ci/package-check runs the first one).");
        var text = TextBlock().Match(readme, code.Index + code.Length);
        return (code.Groups[1].Value, text.Success ? text.Groups[1].Value : "");
    }

    /// <summary>The first ```csharp block after the line <paramref name="heading"/> of the Markdown file at
    /// <paramref name="relativePath"/> (from the repository root).</summary>
    public static string CSharpBlockUnder(string relativePath, string heading)
    {
        string markdown = "\n" + File.ReadAllText(Path.Combine(RepositoryRoot(), relativePath)).Replace("\r\n", "\n");
        int at = markdown.IndexOf("\n" + heading + "\n", StringComparison.Ordinal);
        var code = at < 0 ? null : CSharpBlock().Match(markdown, at);
        if (code is not { Success: true })
            throw new InvalidOperationException($"{relativePath} has no ```csharp block under its \"{heading}\" heading.");
        return code.Groups[1].Value;
    }

    /// <summary>The ```cs blocks: fragments of a program (not run), e.g. the options example.</summary>
    public static IReadOnlyList<string> Fragments() =>
        FragmentBlock().Matches(Readme().Replace("\r\n", "\n")).Select(m => m.Groups[1].Value).ToArray();

    /// <summary>Compiles <paramref name="code"/> as a console program and runs it; returns what it wrote to the console.</summary>
    public static string CompileAndRun(string code)
    {
        var entry = Assembly.Load(Compile(code)).EntryPoint!;
        var output = new StringWriter();
        var console = Console.Out;
        Console.SetOut(output);
        try
        {
            entry.Invoke(null, entry.GetParameters().Length == 1 ? new object[] { Array.Empty<string>() } : null);
        }
        catch (TargetInvocationException e) when (e.InnerException != null)
        {
            throw new InvalidOperationException("The README snippet throws:\n" + output, e.InnerException);
        }
        finally
        {
            Console.SetOut(console);
        }
        return output.ToString().Replace("\r\n", "\n");
    }

    /// <summary>Compiles <paramref name="code"/> as the Program.cs of a console app; returns the assembly's image.</summary>
    /// <exception cref="InvalidOperationException">It does not compile; the message lists the errors.</exception>
    public static byte[] Compile(string code)
    {
        var trees = new[]
        {
            CSharpSyntaxTree.ParseText(code, new CSharpParseOptions(LanguageVersion.Latest), "Program.cs"),
            CSharpSyntaxTree.ParseText(ImplicitUsings, new CSharpParseOptions(LanguageVersion.Latest), "GlobalUsings.cs"),
        };
        var compilation = CSharpCompilation.Create("ReadmeSnippet" + Guid.NewGuid().ToString("N"), trees, References(),
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        if (!emitted.Success)
            throw new InvalidOperationException("The README code does not compile:\n" +
                string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        return image.ToArray();
    }

    // What `dotnet new console` turns on (ImplicitUsings).
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    /// <summary>The runtime's assemblies plus the managed ones beside the tests (ML.NET, MLNet.Nmf), each name once.</summary>
    private static IEnumerable<MetadataReference> References()
    {
        var byName = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator))
            if (path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
                byName.TryAdd(Path.GetFileName(path), path);
        foreach (var path in Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll"))
            if (IsManaged(path))
                byName[Path.GetFileName(path)] = path;
        return byName.Values.Where(IsManaged).Select(p => (MetadataReference)MetadataReference.CreateFromFile(p));
    }

    private static bool IsManaged(string path)
    {
        try
        {
            using var pe = new PEReader(File.OpenRead(path));
            return pe.HasMetadata && pe.GetMetadataReader().IsAssembly;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [GeneratedRegex(@"```cs\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex FragmentBlock();

    [GeneratedRegex(@"\G\s*[^`]*?```text\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex TextBlock();
}
