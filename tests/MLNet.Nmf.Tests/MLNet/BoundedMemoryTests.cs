using System.Diagnostics;
using System.Globalization;

namespace MLNet.Nmf.Tests.MLNet;

/// <summary>
/// Memory independent of the row count, checked where it matters: in a process whose GC heap is capped
/// (DOTNET_GCHeapHardLimit) below the size of the data's in-memory copy.
/// </summary>
public class BoundedMemoryTests
{
    [Fact]
    public async Task StreamedFit_UnderAHeapLimitBelowTheInMemoryCopy_Succeeds()
    {
        const int rows = 400_000, columns = 2_000, perRow = 30;
        const long heapLimit = 48L << 20;
        long csrBytes = 8L * rows * perRow + 4L * (rows + 1);
        csrBytes.Should().BeGreaterThan(heapLimit, "the in-memory CSR alone (before the reader's growing lists and the transpose) must not fit under the limit");

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(SaveLoadTests.Runner());
        foreach (var a in new[] { "stream-bounded", rows.ToString(CultureInfo.InvariantCulture), columns.ToString(CultureInfo.InvariantCulture), perRow.ToString(CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(a);
        start.Environment["DOTNET_GCHeapHardLimit"] = heapLimit.ToString("X", CultureInfo.InvariantCulture);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        string all = output + await stderr;

        process.ExitCode.Should().Be(0, all);
        all.Should().Contain($"heap limit {heapLimit} bytes", "the child must run under the limit");
        all.Should().Contain("NMF: streaming (FitMode Auto: an in-memory copy of column 'Features' would exceed the budget of 12 MiB");
        all.Should().Contain($"pass 1 counted {rows} rows");
        all.Should().Contain("iterations 2;").And.Contain("any positive: True");
    }
}
