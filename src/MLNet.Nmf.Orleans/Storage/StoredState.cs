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
    private readonly IGrainStorage _storage;
    private readonly string _name;
    private readonly GrainId _grain;
    private GrainState<T> _state = new(new T());

    public StoredState(IGrainContext grain, string name)
    {
        _storage = grain.ActivationServices.GetRequiredKeyedService<IGrainStorage>(NmfCluster.CheckpointStorageName);
        _name = name;
        _grain = grain.GrainId;
    }

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
    public async Task ReadAsync()
    {
        var state = new GrainState<T>(new T());
        await _storage.ReadStateAsync(_name, _grain, state);
        state.State ??= new T();
        _state = state;
        IsRead = true;
    }

    /// <summary>Writes the state.</summary>
    public Task WriteAsync() => _storage.WriteStateAsync(_name, _grain, _state);

    /// <summary>Deletes the stored state.</summary>
    public Task ClearAsync() => _storage.ClearStateAsync(_name, _grain, _state);
}
