namespace MLNet.Nmf.Engine;

/// <summary>
/// Where a fit stands after one outer iteration, as passed to <see cref="NmfFitOptions.Progress"/>. Every fit
/// mode reports through the same hook, once per iteration.
/// </summary>
/// <param name="Iteration">Outer iterations done so far (1 after the first).</param>
/// <param name="MaxIterations">The iteration limit (<see cref="NmfFitOptions.MaxIterations"/>).</param>
/// <param name="Objective">The latest objective the solver computed (divergence plus penalties). The coordinate-descent
/// solver for Frobenius reports the objective after this iteration; the others the one before it, which they compute for free.</param>
/// <param name="RelativeChange">|previous − latest| / previous objective; NaN before there are two values.</param>
/// <param name="Elapsed">Time spent in the iterations so far (initialisation excluded).</param>
/// <param name="EstimatedRemaining">The time the remaining iterations up to <see cref="MaxIterations"/> take at the mean pace
/// so far: an upper bound, since the tolerance may stop the fit earlier.</param>
public sealed record NmfProgress(int Iteration, int MaxIterations, double Objective, double RelativeChange,
    TimeSpan Elapsed, TimeSpan EstimatedRemaining);
