using System.Globalization;
using MLNet.Nmf.Engine;

namespace MLNet.Nmf.Benchmarks;

/// <summary>The command line: <c>fit|transform|predict --csr FILE | --dense FILE --rank K ...</c>.</summary>
internal sealed record BenchArgs
{
    public string Command { get; init; } = "fit";
    public string? Csr { get; init; }
    public string? Dense { get; init; }
    public int Rank { get; init; } = 10;
    public int Iterations { get; init; } = 200;
    public double Tolerance { get; init; }
    public NmfSolver Solver { get; init; } = NmfSolver.CoordinateDescent;
    public NmfLoss Loss { get; init; } = NmfLoss.Frobenius;
    public NmfInitialization Init { get; init; } = NmfInitialization.Nndsvda;
    public int Runs { get; init; } = 3;
    public int Threads { get; init; } = Environment.ProcessorCount;
    public int Seed { get; init; }
    public int Inner { get; init; } = NmfFitOptions.Defaults.InnerIterations;
    public bool Pipeline { get; init; }
    public int PredictRows { get; init; } = 20000;
    public int Replicate { get; init; } = 1;
    public int? Passes { get; init; }
    public string? Checkpoint { get; init; }
    public string? Digits { get; init; }
    public double Missing { get; init; }
    public int[] Ranks { get; init; } = [];
    public int Repeats { get; init; } = 2;
    public double HoldOut { get; init; } = 0.1;
    public double Alpha { get; init; }
    public bool Checksum { get; init; }

    public static BenchArgs Parse(string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith('-'))
            throw new ArgumentException(Usage);
        var result = new BenchArgs { Command = args[0] };
        for (int i = 1; i < args.Length; i++)
        {
            string key = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{key} needs a value.\n{Usage}");
            int Int() => int.Parse(Value(), CultureInfo.InvariantCulture);
            result = key switch
            {
                "--csr" => result with { Csr = Value() },
                "--dense" => result with { Dense = Value() },
                "--digits" => result with { Digits = Value() },
                "--missing" => result with { Missing = double.Parse(Value(), CultureInfo.InvariantCulture) },
                "--ranks" => result with { Ranks = ParseRanks(Value()) },
                "--repeats" => result with { Repeats = Int() },
                "--alpha" => result with { Alpha = double.Parse(Value(), CultureInfo.InvariantCulture) },
                "--holdout" => result with { HoldOut = double.Parse(Value(), CultureInfo.InvariantCulture) },
                "--rank" => result with { Rank = Int() },
                "--iterations" => result with { Iterations = Int() },
                "--tol" => result with { Tolerance = double.Parse(Value(), CultureInfo.InvariantCulture) },
                "--solver" => result with { Solver = Value() switch
                {
                    "cd" => NmfSolver.CoordinateDescent,
                    "mu" => NmfSolver.MultiplicativeUpdate,
                    "ccd-kl" => NmfSolver.CoordinateDescentKL,
                    var s => throw new ArgumentException($"--solver {s}: use cd, mu or ccd-kl."),
                } },
                "--loss" => result with { Loss = Value() switch
                {
                    "frobenius" or "fro" => NmfLoss.Frobenius,
                    "kl" => NmfLoss.KullbackLeibler,
                    var s => throw new ArgumentException($"--loss {s}: use frobenius or kl."),
                } },
                "--init" => result with { Init = Value() switch
                {
                    "random" => NmfInitialization.Random,
                    "nndsvd" => NmfInitialization.Nndsvd,
                    "nndsvda" => NmfInitialization.Nndsvda,
                    "nndsvdar" => NmfInitialization.Nndsvdar,
                    var s => throw new ArgumentException($"--init {s}: use random, nndsvd, nndsvda or nndsvdar."),
                } },
                "--runs" => result with { Runs = Int() },
                "--threads" => result with { Threads = Int() },
                "--seed" => result with { Seed = Int() },
                "--inner" => result with { Inner = Int() },
                "--predict-rows" => result with { PredictRows = Int() },
                "--pipeline" => result with { Pipeline = true },
                "--checksum" => result with { Checksum = true },
                "--replicate" => result with { Replicate = Int() },
                "--passes" => result with { Passes = Int() },
                "--checkpoint" => result with { Checkpoint = Value() },
                _ => throw new ArgumentException($"Unknown option {key}.\n{Usage}"),
            };
        }
        if (new[] { result.Csr, result.Dense, result.Digits }.Count(p => p is not null) != 1)
            throw new ArgumentException($"Give exactly one of --csr FILE, --dense FILE or --digits FILE.\n{Usage}");
        if (!(result.Missing >= 0 && result.Missing < 1))
            throw new ArgumentException("--missing must be in [0, 1).");
        if (result.Runs < 1)
            throw new ArgumentException("--runs must be at least 1.");
        if (result.Replicate < 1)
            throw new ArgumentException("--replicate must be at least 1.");
        return result;
    }

    public NmfFitOptions ToOptions() => new()
    {
        Rank = Rank,
        MaxIterations = Iterations,
        Tolerance = Tolerance,
        Solver = Solver,
        Loss = Loss,
        Initialization = Init,
        Seed = Seed,
        DegreeOfParallelism = Threads,
        InnerIterations = Inner,
        MissingValues = Missing > 0 ? NmfMissingValues.Ignore : NmfMissingValues.Error,
        AlphaW = Alpha,
    };

    /// <summary>"2..30" or "2,5,10".</summary>
    private static int[] ParseRanks(string text)
    {
        var range = text.Split("..");
        if (range.Length == 2)
        {
            int from = int.Parse(range[0], CultureInfo.InvariantCulture), to = int.Parse(range[1], CultureInfo.InvariantCulture);
            return Enumerable.Range(from, Math.Max(0, to - from + 1)).ToArray();
        }
        return text.Split(',').Select(r => int.Parse(r, CultureInfo.InvariantCulture)).ToArray();
    }

    public const string Usage =
        "usage: MLNet.Nmf.Benchmarks fit|transform|predict|rank-selection|holdout-mask|stream-fit (--csr FILE | --dense FILE | --digits FILE.csv) [--rank K] [--iterations N] [--tol T]\n" +
        "       [--missing F (that share of the stored values set to NaN, fitted with MissingValues = Ignore)]\n" +
        "       [--ranks 2..30 | 2,5,10] [--repeats R] [--holdout F] (rank-selection, holdout-mask) [--alpha A (AlphaW, L2)]\n" +
        "       [--solver cd|mu|ccd-kl] [--loss frobenius|kl] [--init random|nndsvd|nndsvda|nndsvdar] [--runs R]\n" +
        "       [--threads P] [--seed S] [--inner I] [--pipeline] [--predict-rows N] [--replicate N] [--passes P]\n" +
        "       [--checkpoint DIR (stream-fit: NmfOptions.CheckpointDirectory)]\n" +
        "       [--checksum (fit: adds SHA-256 of W, H and the loss history to the JSON line)]\n" +
        "       MLNet.Nmf.Benchmarks machine [--threads P]   (FMA and copy peaks)";
}
