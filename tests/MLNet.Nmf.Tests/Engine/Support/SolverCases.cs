using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Tests.Engine.Support;

/// <summary>The solver/loss pairs the engine supports, and theory data built from them.</summary>
internal static class SolverCases
{
    public static readonly (NmfSolver Solver, NmfLoss Loss)[] All =
    {
        (NmfSolver.CoordinateDescent, NmfLoss.Frobenius),
        (NmfSolver.MultiplicativeUpdate, NmfLoss.Frobenius),
        (NmfSolver.MultiplicativeUpdate, NmfLoss.KullbackLeibler),
        (NmfSolver.CoordinateDescentKL, NmfLoss.KullbackLeibler),
    };

    public static readonly NmfInitialization[] Initializations =
    {
        NmfInitialization.Random, NmfInitialization.Nndsvd, NmfInitialization.Nndsvda, NmfInitialization.Nndsvdar, NmfInitialization.Custom,
    };

    public static IEnumerable<object[]> Solvers() => All.Select(c => new object[] { c.Solver, c.Loss });

    public static IEnumerable<object[]> SolverByInit() =>
        from c in All from init in Initializations select new object[] { c.Solver, c.Loss, init };

    public static IEnumerable<object[]> SolverByInitByStorage() =>
        from c in All from init in Initializations from storage in new[] { Storage.Dense, Storage.Sparse }
        select new object[] { c.Solver, c.Loss, init, storage };

    public static INmfMatrix In(this DenseMatrix x, Storage storage) => storage == Storage.Dense ? x : x.ToCsr();

    /// <summary>Options for an m x n problem; for <see cref="NmfInitialization.Custom"/> a seeded positive start is supplied.</summary>
    public static NmfFitOptions Options(NmfSolver solver, NmfLoss loss, NmfInitialization init, int rank, int rows, int columns, int iterations) => new()
    {
        Solver = solver,
        Loss = loss,
        Initialization = init,
        Rank = rank,
        MaxIterations = iterations,
        Tolerance = 0,
        Seed = 7,
        InitialW = init == NmfInitialization.Custom ? TestData.Uniform(rows, rank, seed: 1) : null,
        InitialH = init == NmfInitialization.Custom ? TestData.Uniform(rank, columns, seed: 2) : null,
    };
}
