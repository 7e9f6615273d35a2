using System.Diagnostics;
using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Nmf.Tests.MLNet;

public class SaveLoadTests
{
    private static string RunnerPath()
    {
        // The runner is built beside this project (ProjectReference, not referenced as an assembly).
        string configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";
        string root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", ".."));
        string path = Path.Combine(root, "MLNet.Nmf.ModelRunner", "bin", configuration, "net10.0", "MLNet.Nmf.ModelRunner.dll");
        File.Exists(path).Should().BeTrue($"the model runner must be built at {path}");
        return path;
    }

    internal static string Runner() => RunnerPath();

    private static void Run(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(RunnerPath());
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        process.ExitCode.Should().Be(0, output);
    }

    [Theory]
    [InlineData("text-nmf-last", "debian-small.tsv")]
    [InlineData("text-nmf-middle", "debian-small.tsv")]
    [InlineData("text-featurize-only", "debian-small.tsv")]
    [InlineData("text-nmf-streamed", "debian-small.tsv")]
    [InlineData("digits-nmf-first", "digits-300.csv")]
    [InlineData("digits-missing", "digits-missing.csv")]
    [InlineData("digits-reconstruction", "digits-missing.csv")]
    public void SaveInOneProcess_LoadInAnother_GivesBitIdenticalOutputs(string variant, string dataFile)
    {
        string dir = Directory.CreateTempSubdirectory("nmf-saveload-").FullName;
        string model = Path.Combine(dir, "model.zip"), saved = Path.Combine(dir, "saved.bin"), loaded = Path.Combine(dir, "loaded.bin");
        string data = TestData.DataPath(dataFile);

        Run("fit-save", variant, data, model, saved);
        Run("load-predict", variant, data, model, loaded);

        var a = File.ReadAllBytes(saved);
        a.Length.Should().BeGreaterThan(1000);
        File.ReadAllBytes(loaded).Should().Equal(a);
    }

    [Theory]
    [InlineData("v1-text-nmf-last", "text-nmf-last", "debian-small.tsv")]
    [InlineData("v1-digits-nmf-first", "digits-nmf-first", "digits-300.csv")]
    [InlineData("v2-text-nmf-last", "text-nmf-last", "debian-small.tsv")]
    [InlineData("v2-digits-nmf-first", "digits-nmf-first", "digits-300.csv")]
    [InlineData("v3-text-nmf-last", "text-nmf-last", "debian-small.tsv")]
    [InlineData("v3-digits-nmf-first", "digits-nmf-first", "digits-300.csv")]
    [InlineData("v4-text-nmf-last", "text-nmf-last", "debian-small.tsv")]
    [InlineData("v4-digits-nmf-first", "digits-nmf-first", "digits-300.csv")]
    [InlineData("v4-digits-nmf-wide", "digits-nmf-wide", "digits-300.csv")]
    public void ModelSavedByAnEarlierVersion_LoadsAndPredictsIdentically(string name, string variant, string dataFile)
    {
        string dir = Directory.CreateTempSubdirectory("nmf-oldmodel-").FullName;
        string loaded = Path.Combine(dir, "loaded.bin");
        Run("load-predict", variant, TestData.DataPath(dataFile), TestData.DataPath(Path.Combine("models", name + ".zip")), loaded);
        File.ReadAllBytes(loaded).Should().Equal(File.ReadAllBytes(TestData.DataPath(Path.Combine("models", name + ".outputs.bin"))));
    }

    [Fact]
    public void LoadInThisProcess_WithoutRegistration_MatchesTheProcessThatSaved()
    {
        string dir = Directory.CreateTempSubdirectory("nmf-saveload-").FullName;
        string model = Path.Combine(dir, "model.zip"), saved = Path.Combine(dir, "saved.bin");
        Run("fit-save", "text-nmf-last", TestData.DataPath("debian-small.tsv"), model, saved);

        var ml = new MLContext();
        var loaded = ml.Model.Load(model, out var schema);
        schema.GetColumnOrNull("Description").Should().NotBeNull();
        var topics = loaded.Transform(TextFixture.Load(ml)).GetColumn<VBuffer<float>>("Topics").SelectMany(v => v.DenseValues()).ToArray();
        var expected = File.ReadAllBytes(saved);
        var actual = topics.SelectMany(BitConverter.GetBytes).ToArray();
        actual.Should().Equal(expected.Take(actual.Length));
    }

    private static (MLContext Ml, string Path, IDataView Data) SavedModel()
    {
        var ml = new MLContext(seed: 1);
        var data = TextFixture.Load(ml);
        var model = TextFixture.Featurize(ml).Append(ml.Transforms.NonNegativeMatrixFactorization("Topics", "Features", rank: 4)).Fit(data);
        string path = Path.Combine(Directory.CreateTempSubdirectory("nmf-corrupt-").FullName, "model.zip");
        ml.Model.Save(model, data.Schema, path);
        return (ml, path, data);
    }

    /// <summary>Rewrites the NMF transformer's model stream inside the zip.</summary>
    private static void EditNmfEntry(string zipPath, Func<byte[], byte[]> edit)
    {
        using var zip = ZipFile.Open(zipPath, ZipArchiveMode.Update);
        foreach (var entry in zip.Entries.ToArray())
        {
            using var buffer = new MemoryStream();
            using (var s = entry.Open()) s.CopyTo(buffer);
            var bytes = buffer.ToArray();
            if (IndexOf(bytes, "NMFP"u8.ToArray()) < 0)
                continue;
            string name = entry.FullName;
            entry.Delete();
            using var s2 = zip.CreateEntry(name).Open();
            s2.Write(edit(bytes));
            return;
        }
        throw new InvalidOperationException("No NMF payload found in the zip.");
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle)) return i;
        return -1;
    }

    [Fact]
    public void Load_NegativeComponent_IsRejected_NamingTheComponent()
    {
        var (ml, path, _) = SavedModel();
        EditNmfEntry(path, bytes =>
        {
            int at = IndexOf(bytes, "NMFP"u8.ToArray());
            int firstComponent = at + 4 + 4 * 4 + 4 * 8 + 4 + 4; // magic, version, rank, n, solver, loss, 4 doubles, sweeps
            BitConverter.GetBytes(-1f).CopyTo(bytes, firstComponent);
            return ModelZip.Resealed(bytes); // crafted with a matching checksum, so the component check decides
        });
        var act = () => ml.Model.Load(path, out _);
        // ML.NET wraps the loader's exception (TargetInvocationException): the decoder's own is inside.
        act.Should().Throw<Exception>().Where(e => ModelZip.Chain(e).Any(x => x is InvalidDataException && x.Message.Contains("Component 0, feature 0 holds -1")));
    }

    // A foreign marker, a payload cut short and bytes after the end marker, each inside a valid zip so that the
    // NMF decoder itself meets them: see ModelFileTests.
}
