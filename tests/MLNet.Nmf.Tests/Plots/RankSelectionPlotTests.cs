using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.RankSelection;
using MLNet.Nmf.Plots;

namespace MLNet.Nmf.Tests.Plots;

/// <summary><see cref="NmfRankSelectionPlot.SavePng"/>: a real PNG, and sizes it cannot draw refused by name.</summary>
public sealed class RankSelectionPlotTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "nmf-plot-tests", Guid.NewGuid().ToString("N"));

    public RankSelectionPlotTests() => Directory.CreateDirectory(_folder);

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }

    private static NmfRankSelectionResult Result(int repeats)
    {
        var values = new float[20 * 8];
        for (int i = 0; i < values.Length; i++)
            values[i] = (i * 7 % 11) + (i % 3);
        return NmfRankSelection.Run(new DenseMatrix(20, 8, values), [1, 2, 3], new NmfFitOptions { MaxIterations = 20 }, repeats: repeats);
    }

    [Theory]
    [InlineData(1)] // stability not measured (NaN): no right-hand axis
    [InlineData(2)]
    public void SavePng_WritesAPngOfTheAskedSize(int repeats)
    {
        string path = Path.Combine(_folder, "ranks.png");

        Result(repeats).SavePng(path, width: 320, height: 200);

        var bytes = File.ReadAllBytes(path);
        bytes.Take(8).Should().Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, "a PNG signature");
        int Big(int at) => (bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];
        (Big(16), Big(20)).Should().Be((320, 200), "the IHDR width and height");
    }

    [Fact]
    public void SavePng_OfMorePixelsThanARasterHolds_IsRefusedNamingWidthAndHeight_NotANullReference()
    {
        // 46,341² pixels of 4 bytes pass 2 GiB: SkiaSharp threw NullReferenceException("invalid SKImageInfo").
        var save = () => Result(1).SavePng(Path.Combine(_folder, "huge.png"), width: 46_341, height: 46_341);

        var error = save.Should().Throw<ArgumentOutOfRangeException>().Which;
        error.ParamName.Should().Be("width");
        error.Message.Should().Contain("width 46341 x height 46341 is 2147488281 pixels").And.Contain("at most 536870911").And.Contain("Lower width or height");
        File.Exists(Path.Combine(_folder, "huge.png")).Should().BeFalse();
    }
}
