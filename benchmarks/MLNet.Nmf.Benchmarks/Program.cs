using MLNet.Nmf.Benchmarks;
using MLNet.Nmf.Engine.Matrices;

// MLNet.Nmf benchmark CLI: one JSON line per command. See docs/benchmarks.md.
if (args.Length > 0 && args[0] == "machine")
{
    // machine [--threads N]: FMA and copy peaks for the floor analysis.
    MachinePeaks.Run(args.Length > 2 && args[1] == "--threads" ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 0);
    return 0;
}

BenchArgs a;
try
{
    a = BenchArgs.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

INmfMatrix x;
string dataset;
try
{
    if (a.Csr is not null)
        (x, dataset) = BenchData.ReadCsr(a.Csr);
    else if (a.Digits is not null)
        (x, dataset) = BenchData.ReadDigits(a.Digits);
    else
        (x, dataset) = BenchData.ReadDense(a.Dense!);
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or KeyNotFoundException)
{
    // A missing or unreadable data file (or its .json header): one line naming it, not a stack trace.
    Console.Error.WriteLine($"error: cannot read the data given by --csr, --digits or --dense: {e.Message}");
    return 2;
}
if (a.Missing > 0)
{
    x = BenchData.WithMissing(x, a.Missing, a.Seed);
    dataset += FormattableString.Invariant($" ({a.Missing:P0} of stored values NaN)");
}

switch (a.Command)
{
    case "fit" when a.Pipeline:
        PipelineBench.Fit(a, x, dataset);
        break;
    case "fit":
        EngineBench.Fit(a, x, dataset);
        break;
    case "transform":
        EngineBench.Transform(a, x, dataset);
        break;
    case "stream-fit":
        StreamBench.Fit(a, x, dataset);
        break;
    case "rank-selection":
        RankSelectionBench.Run(a, x, dataset);
        break;
    case "holdout-mask":
        HoldOutMaskBench.Run(a, x, dataset);
        break;
    case "predict":
        PipelineBench.Predict(a, x, dataset);
        break;
    default:
        Console.Error.WriteLine($"Unknown command '{a.Command}'.\n{BenchArgs.Usage}");
        return 2;
}
return 0;
