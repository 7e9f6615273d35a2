namespace MLNet.Nmf.Tests.Readme;

/// <summary>Tests that redirect <see cref="Console.Out"/> (process-wide) run alone, so no other test's output mixes in.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCapture
{
    public const string Name = "Console capture";
}
