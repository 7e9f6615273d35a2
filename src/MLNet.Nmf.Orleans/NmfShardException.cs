namespace MLNet.Nmf.Orleans;

/// <summary>
/// Bad input to a cluster fit — a missing or unreadable shard, shards of different vector sizes, a negative,
/// NaN or infinite value — with a message that names the shard, row and slot; or a shard that cannot resume exactly
/// (its checkpoint damaged or missing, its file changed under the fit), naming the file and what to do. The fit
/// stops and writes no model; the client receives the message.
/// </summary>
[GenerateSerializer]
public sealed class NmfShardException : Exception
{
    /// <summary>Creates the exception with the message the user sees.</summary>
    public NmfShardException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with the message the user sees and its cause.</summary>
    public NmfShardException(string message, Exception inner) : base(message, inner)
    {
    }
}
