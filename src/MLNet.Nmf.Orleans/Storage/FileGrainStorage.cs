using System.Security.Cryptography;
using System.Text;
using Orleans.Serialization;
using Orleans.Storage;

namespace MLNet.Nmf.Orleans.Storage;

/// <summary>
/// Grain storage in files of a folder that every silo can reach (a shared folder stands in for shared storage):
/// one file per grain and state, written to a temporary file and then renamed, so a reader never sees half a
/// checkpoint and a silo that dies mid-write loses nothing that was recorded. Each file carries a marker and the
/// SHA-256 of its contents: a damaged, truncated or foreign file is refused (<see cref="InvalidDataException"/>
/// naming the file and what to do), never loaded. For tests and single-host demos; a production cluster uses Redis
/// (<c>AddRedisGrainStorage</c>) or another durable provider.
/// </summary>
public sealed class FileGrainStorage : IGrainStorage
{
    /// <summary>The first bytes of every file: "MLNet.Nmf grain state", format 1.</summary>
    private static ReadOnlySpan<byte> Magic => "NMFGRST1"u8;
    private const int HeaderLength = 8 + SHA256.HashSizeInBytes;

    private readonly string _directory;
    private readonly Serializer _serializer;

    /// <summary>Stores states under <paramref name="directory"/> with Orleans' binary serializer.</summary>
    public FileGrainStorage(string directory, Serializer serializer)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        _directory = directory;
        _serializer = serializer;
        Directory.CreateDirectory(directory);
    }

    /// <inheritdoc />
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        string path = PathOf(stateName, grainId);
        if (!File.Exists(path))
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.RecordExists = false;
            grainState.ETag = null;
            return;
        }
        byte[] bytes = await File.ReadAllBytesAsync(path);
        grainState.State = Decode<T>(bytes, path);
        grainState.RecordExists = true;
        grainState.ETag = File.GetLastWriteTimeUtc(path).Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <inheritdoc />
    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        string path = PathOf(stateName, grainId);
        string temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        byte[] payload = _serializer.SerializeToArray(grainState.State);
        await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, useAsync: true))
        {
            await file.WriteAsync(Header(payload)); // the payload is written as it is: no second copy of a shard's W
            await file.WriteAsync(payload);
        }
        File.Move(temporary, path, overwrite: true);
        grainState.RecordExists = true;
        grainState.ETag = File.GetLastWriteTimeUtc(path).Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <inheritdoc />
    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        File.Delete(PathOf(stateName, grainId));
        grainState.State = Activator.CreateInstance<T>();
        grainState.RecordExists = false;
        grainState.ETag = null;
        return Task.CompletedTask;
    }

    /// <summary>What precedes the payload in a file: the marker and the payload's SHA-256.</summary>
    private static byte[] Header(byte[] payload)
    {
        var header = new byte[HeaderLength];
        Magic.CopyTo(header);
        SHA256.HashData(payload, header.AsSpan(Magic.Length, SHA256.HashSizeInBytes));
        return header;
    }

    /// <summary>The state a file holds, once its marker and SHA-256 are checked; a file that fails either is refused, naming it.</summary>
    private T Decode<T>(byte[] bytes, string path)
    {
        const string WhatToDo = "It is not loaded.";
        if (bytes.Length < HeaderLength || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new InvalidDataException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"The checkpoint file '{path}' ({bytes.Length} bytes) is not a checkpoint of MLNet.Nmf's cluster fit with a SHA-256 (as written since format 1), or was cut short. {WhatToDo}"));
        var payload = bytes.AsSpan(HeaderLength);
        if (!SHA256.HashData(payload).AsSpan().SequenceEqual(bytes.AsSpan(Magic.Length, SHA256.HashSizeInBytes)))
            throw new InvalidDataException($"The checkpoint file '{path}' is damaged: its SHA-256 does not match its contents, so it cannot be trusted. {WhatToDo}");
        try
        {
            return _serializer.Deserialize<T>(bytes.AsMemory(HeaderLength))!;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Intact bytes that are not this state (written for another type): refused as well.
            throw new InvalidDataException($"The checkpoint file '{path}' does not hold a {typeof(T).Name}: {e.Message} {WhatToDo}", e);
        }
    }

    private string PathOf(string stateName, GrainId grainId)
    {
        // Grain keys hold '/' and other characters a file name cannot: name the file by a hash, readable prefix first.
        string id = grainId.ToString();
        string hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(stateName + "|" + id)))[..24];
        string readable = new string(id.Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray());
        if (readable.Length > 60)
            readable = readable[..60];
        return Path.Combine(_directory, $"{stateName}-{readable}-{hash}.bin");
    }
}
