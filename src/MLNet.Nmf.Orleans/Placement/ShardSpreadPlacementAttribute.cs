using Orleans.Placement;

namespace MLNet.Nmf.Orleans.Placement;

/// <summary>Marks a grain class for <see cref="ShardSpreadPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ShardSpreadPlacementAttribute : PlacementAttribute
{
    /// <summary>Creates the attribute.</summary>
    public ShardSpreadPlacementAttribute() : base(ShardSpreadPlacement.Instance)
    {
    }
}
