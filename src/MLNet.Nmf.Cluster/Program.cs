using MLNet.Nmf.Cluster;

// The ready console host of MLNet.Nmf.Orleans: run silos, run a fit on them, split data into shards.
const string Usage = """
    usage:
      silo  --port <silo port> --gateway <gateway port> --clustering <redis connection string | localhost>
            [--primary <port of the first silo, localhost only; 11111>] [--checkpoints <shared folder>] [--threads <n>]
      fit   --manifest <shards.json> --rank <k> --iterations <n> --seed <s> --out <model.zip> [--features-out <dir>]
            [--clustering <redis | localhost>] [--gateway <port, localhost only; 30000>] [--tolerance <t; 0>]
            [--fit-id <id: reattaches to a running fit>] [--report <status.json>] [--connect-timeout <seconds; 30>]
            [--unreachable-timeout <seconds the cluster may be out of reach mid-fit; 300>]
      split --input <tsv or tsv.gz> --shards <n> --out <dir> [--max-rows <r>]
    """;

if (args.Length == 0)
{
    Console.Error.WriteLine(Usage);
    return 2;
}
try
{
    var options = new CommandLine(args.Skip(1));
    return args[0] switch
    {
        "silo" => await SiloCommand.RunAsync(options),
        "fit" => await FitCommand.RunAsync(options),
        "split" => SplitCommand.Run(options),
        _ => throw new UsageException($"Unknown command '{args[0]}'."),
    };
}
catch (UsageException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    Console.Error.WriteLine(Usage);
    return 2;
}
// What the user gave cannot be used (a missing or unreadable file, too few rows, no cluster): the message, no stack trace.
catch (Exception e) when (e is CommandException or MLNet.Nmf.Orleans.NmfShardException or ArgumentException or IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
