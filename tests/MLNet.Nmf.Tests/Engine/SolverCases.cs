using MLNet.Nmf.Engine;

namespace MLNet.Nmf.Tests.Engine;

/// <summary>The solver/loss pairs the engine supports.</summary>
internal static class SolverCases
{
    public static readonly (NmfSolver Solver, NmfLoss Loss)[] All =
    {
        (NmfSolver.CoordinateDescent, NmfLoss.Frobenius),
        (NmfSolver.MultiplicativeUpdate, NmfLoss.Frobenius),
        (NmfSolver.MultiplicativeUpdate, NmfLoss.KullbackLeibler),
        (NmfSolver.CoordinateDescentKL, NmfLoss.KullbackLeibler),
    };

    public static IEnumerable<object[]> SolverByInitByStorage()
    {
        var inits = new[] { NmfInitialization.Random, NmfInitialization.Nndsvd, NmfInitialization.Nndsvda, NmfInitialization.Nndsvdar, NmfInitialization.Custom };
        foreach (var (solver, loss) in All)
            foreach (var init in inits)
                yield return new object[] { solver, loss, init };
    }

    public static IEnumerable<object[]> Solvers() => All.Select(c => new object[] { c.Solver, c.Loss });
}
