using Mono.Cecil;

// Usage: MLNet.Nmf.Publicizer <output-folder> <assembly.dll>...
// Writes each assembly to the output folder with all types, methods and fields made public. The copies
// are reference assemblies for the compiler only: at run time the real ML.NET assemblies load, and
// MLNet.Nmf's [IgnoresAccessChecksTo] attributes let it use the members it compiled against.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: MLNet.Nmf.Publicizer <output-folder> <assembly.dll>...");
    return 2;
}

string output = args[0];
Directory.CreateDirectory(output);
var resolver = new DefaultAssemblyResolver();
foreach (var path in args.Skip(1))
    resolver.AddSearchDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);

foreach (var path in args.Skip(1))
{
    string destination = Path.Combine(output, Path.GetFileName(path));
    if (File.Exists(destination) && File.GetLastWriteTimeUtc(destination) >= File.GetLastWriteTimeUtc(path))
        continue;
    using var assembly = AssemblyDefinition.ReadAssembly(path, new ReaderParameters { AssemblyResolver = resolver });
    foreach (var type in assembly.MainModule.GetTypes())
    {
        if (type.IsNested)
            type.IsNestedPublic = true;
        else
            type.IsPublic = true;
        foreach (var method in type.Methods)
        {
            method.IsPublic = true;
            // Overrides in other assemblies must not be blocked by "strict" (check access on override).
            method.IsCheckAccessOnOverride = false;
        }
        foreach (var field in type.Fields)
            field.IsPublic = true;
    }
    // The copy carries the original identity (name, version, public key) without a signature.
    assembly.Name.HasPublicKey = assembly.Name.PublicKey is { Length: > 0 };
    assembly.MainModule.Attributes &= ~ModuleAttributes.StrongNameSigned;
    assembly.Write(destination);
    Console.WriteLine($"publicized {Path.GetFileName(path)}");
}
return 0;
