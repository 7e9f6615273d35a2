namespace MLNet.Nmf.Engine.Solvers;

/// <summary>The list a solver records its objective in, one value an iteration plus the final one.</summary>
internal static class ObjectiveHistory
{
    /// <summary>Iterations whose values are reserved up front at most; a longer fit grows the list as it goes.</summary>
    internal const int MaxReserved = 1024;

    /// <summary>
    /// An empty history with room for <paramref name="maxIterations"/> + 1 values, at most <see cref="MaxReserved"/> + 1:
    /// the cap is a limit, not a size (MaxIterations = int.MaxValue is a fit that stops at its tolerance), so it is
    /// never reserved whole nor added to in int arithmetic; ordinary fits reserve exactly what they did before.
    /// </summary>
    public static List<double> Create(int maxIterations) => new(Math.Min(Math.Max(maxIterations, 0), MaxReserved) + 1);
}
