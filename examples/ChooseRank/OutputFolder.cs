/// <summary>Where the example writes its pictures: the command line's <c>--output DIR</c>, else examples/ChooseRank/output.</summary>
internal static class OutputFolder
{
    public const string Usage = "Usage: dotnet run --project examples/ChooseRank [-- --output DIR] (default: examples/ChooseRank/output)";

    /// <summary>
    /// The folder, created: <c>--output DIR</c> (relative to the working directory), else examples/ChooseRank/output, found
    /// from the binary's location whatever the working directory (git-ignored). Null, with the reason on standard error,
    /// for arguments it does not know, or when the binary is not under the example's folder and no --output was given.
    /// </summary>
    public static string? Resolve(string[] args)
    {
        string? chosen = null;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] != "--output")
            {
                Console.Error.WriteLine($"Unknown argument '{args[i]}'. {Usage}");
                return null;
            }
            if (i + 1 == args.Length)
            {
                Console.Error.WriteLine("--output needs a folder: dotnet run --project examples/ChooseRank -- --output DIR");
                return null;
            }
            chosen = args[++i];
        }
        if (chosen is not null)
            return Directory.CreateDirectory(Path.GetFullPath(chosen)).FullName;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ChooseRank.csproj")))
                return Directory.CreateDirectory(Path.Combine(dir.FullName, "output")).FullName;
        Console.Error.WriteLine($"This ChooseRank binary is not under the example's folder (no ChooseRank.csproj above {AppContext.BaseDirectory}); say where to write with --output DIR. {Usage}");
        return null;
    }
}
