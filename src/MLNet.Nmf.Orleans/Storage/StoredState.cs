using Microsoft.Extensions.DependencyInjection;
using MLNet.Nmf.Orleans.Hosting;
using Orleans.Storage;

namespace MLNet.Nmf.Orleans.Storage;

/// <summary>
/// A grain's state in <see cref="NmfCluster.CheckpointStorageName"/>, read when the grain asks rather than while Orleans
/// activates it: a checkpoint the storage refuses (<see cref="FileGrainStorage"/>'s <see cref="InvalidDataException"/>
/// for a damaged file) then reaches the grain, which ends the fit naming the file. Read during activation, it failed
/// the activation, and every call to the grain waited until it timed out and was sent again, for minutes.
/// </summary>
internal sealed class StoredState<T> where T : new()
{
    private readonly IServiceProvider _services;
    private readonly string _name;
    private readonly GrainId _grain;
    private IGrainStorage? _storage;
    private GrainState<T> _state = new(new T());

    public StoredState(IGrainContext grain, string name)
    {
        _services = grain.ActivationServices;
        _name = name;
        _grain = grain.GrainId;
    }

    /// <summary>The silo's checkpoint storage; a silo without one is refused naming what to add (the grain failed to activate with Orleans' own words).</summary>
    private IGrainStorage Storage => _storage ??= _services.GetKeyedService<IGrainStorage>(NmfCluster.CheckpointStorageName)
        ?? throw new CheckpointStorageException(
            $"This silo has no grain storage named '{NmfCluster.CheckpointStorageName}', where the cluster fit keeps its checkpoints. Add siloBuilder.AddNmfFileCheckpoints(a folder every silo reaches) or AddRedisGrainStorage(NmfCluster.CheckpointStorageName, ...) to every silo.");

    /// <summary>True once <see cref="ReadAsync"/> has succeeded.</summary>
    public bool IsRead { get; private set; }

    /// <summary>The state (empty until read).</summary>
    public T State
    {
        get => _state.State!;
        set => _state.State = value;
    }

    /// <summary>Reads the stored state (a new one when none is stored).</summary>
    /// <exception cref="InvalidDataException">The stored state is damaged; the message names it and what to do.</exception>
    /// <exception cref="CheckpointStorageException">The silo has no checkpoint storage; the message says what to add.</exception>
    public async Task ReadAsync()
    {
        var state = new GrainState<T>(new T());
        await Storage.ReadStateAsync(_name, _grain, state);
        state.State ??= new T();
        _state = state;
        IsRead = true;
    }

    /// <summary>Writes the state.</summary>
    public Task WriteAsync() => Storage.WriteStateAsync(_name, _grain, _state);

    /// <summary>Deletes the stored state.</summary>
    public Task ClearAsync() => Storage.ClearStateAsync(_name, _grain, _state);
}

/// <summary>The silo has no checkpoint storage (<see cref="NmfCluster.CheckpointStorageName"/>); the message says what to add.</summary>
internal sealed class CheckpointStorageException(string message) : InvalidOperationException(message);
