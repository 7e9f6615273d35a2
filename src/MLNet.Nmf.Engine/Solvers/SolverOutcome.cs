namespace MLNet.Nmf.Engine.Solvers;

/// <summary>What a solver reports: iterations run, whether the tolerance stopped it, and the objective after each iteration (index 0 = the start).</summary>
internal sealed record SolverOutcome(int Iterations, bool Converged, double[] LossHistory);
