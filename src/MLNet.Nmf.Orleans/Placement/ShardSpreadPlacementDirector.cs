using System.Globalization;
using Orleans.Runtime.Placement;

namespace MLNet.Nmf.Orleans.Placement;

/// <summary>The director of <see cref="ShardSpreadPlacement"/>.</summary>
public sealed class ShardSpreadPlacementDirector : IPlacementDirector
{
    /// <inheritdoc />
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target).OrderBy(s => s.ToParsableString(), StringComparer.Ordinal).ToArray();
        if (silos.Length == 0)
            throw new OrleansException("No silo can host an NMF shard grain.");
        string key = target.GrainIdentity.Key.ToString() ?? "";
        int slash = key.LastIndexOf('/');
        int index = slash >= 0 && int.TryParse(key.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int i) ? i : 0;
        return Task.FromResult(silos[index % silos.Length]);
    }
}
