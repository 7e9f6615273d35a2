using Microsoft.Extensions.DependencyInjection;
using MLNet.Nmf.Orleans.Grains;
using MLNet.Nmf.Orleans.Storage;
using Orleans.Serialization;

namespace MLNet.Nmf.Orleans.Tests;

/// <summary>
/// The file checkpoints with Orleans' own serializer: a state reads back bit for bit; a file without the marker and SHA-256
/// (another program's, or one written before they existed) is refused naming the file. (Damaged and truncated files on a
/// running cluster: ClusterRestartTests.)
/// </summary>
public sealed class FileGrainStorageTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "nmf-orleans-tests", "storage-" + Guid.NewGuid().ToString("N"));
    private readonly Serializer _serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public async Task AStateWritten_ReadsBackBitForBit_AndAFileWithoutTheMarker_IsRefusedNamingIt()
    {
        var storage = new FileGrainStorage(_folder, _serializer);
        var grain = GrainId.Create("nmfshard", "fit/2");
        var features = new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 };
        await storage.WriteStateAsync("features", grain, new GrainState<ShardCheckpoint>(new ShardCheckpoint { IterationA = 4, FeaturesA = features }));
        var read = new GrainState<ShardCheckpoint>(new ShardCheckpoint());
        await storage.ReadStateAsync("features", grain, read);
        read.State!.IterationA.Should().Be(4);
        read.State.FeaturesA.Should().Equal(features);
        read.RecordExists.Should().BeTrue();

        string file = Directory.GetFiles(_folder).Should().ContainSingle().Subject;
        File.WriteAllBytes(file, _serializer.SerializeToArray(new ShardCheckpoint { IterationA = 4, FeaturesA = features })); // the bare state
        var act = () => storage.ReadStateAsync("features", grain, new GrainState<ShardCheckpoint>(new ShardCheckpoint()));

        (await act.Should().ThrowAsync<InvalidDataException>()).Which.Message.Should()
            .StartWith($"The checkpoint file '{file}' (").And.Contain("is not a checkpoint of MLNet.Nmf's cluster fit with a SHA-256")
            .And.EndWith("It is not loaded.");
    }
}
