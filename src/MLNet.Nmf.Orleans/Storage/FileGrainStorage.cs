using System.Security.Cryptography;
using System.Text;
using Orleans.Serialization;
using Orleans.Storage;

namespace MLNet.Nmf.Orleans.Storage;

/// <summary>
/// Grain storage in files of a folder that every silo can reach (a shared folder stands in for shared storage):
/// one file per grain and state, written to a temporary file and then renamed, so a reader never sees half a
/// checkpoint and a silo that dies mid-write loses nothing that was recorded. For tests and single-host demos;
/// a production cluster uses Redis (<c>AddRedisGrainStorage</c>) or another durable provider.
/// </summary>
public sealed class FileGrainStorage : IGrainStorage
{
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
        grainState.State = _serializer.Deserialize<T>(bytes);
        grainState.RecordExists = true;
        grainState.ETag = File.GetLastWriteTimeUtc(path).Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <inheritdoc />
    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        string path = PathOf(stateName, grainId);
        string temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await File.WriteAllBytesAsync(temporary, _serializer.SerializeToArray(grainState.State));
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
