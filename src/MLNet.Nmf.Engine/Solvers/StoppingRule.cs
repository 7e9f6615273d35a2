namespace MLNet.Nmf.Engine.Solvers;

/// <summary>
/// The stopping rule of the coordinate-descent solvers (HALS, masked HALS, CCD-KL), as scikit-learn's
/// <c>_fit_coordinate_descent</c>: stop when the summed projected-gradient violation of an iteration is at most
/// <see cref="NmfFitOptions.Tolerance"/> times the first iteration's. One addition: a start that is already
/// stationary to float precision (data of exactly rank k with its own factors as the start, or a start that an
/// earlier fit left converged to the last bit) has a first violation that is rounding noise, and every later
/// violation is noise of the same size, so the relative rule compared noise with noise and ran every iteration up to
/// MaxIterations, reporting an exact fit as not converged. Such a first violation counts as converged.
/// </summary>
/// <remarks>
/// "Noise" is measured against the size of the terms whose difference the violation sums: the gradient with respect
/// to W is W·HHᵀ − XHᵀ (and with respect to H the transposed problem's), so at a stationary point each of its m·k
/// entries is the rounding error of two float products of size |XHᵀ|. By Cauchy–Schwarz
/// Σ|XHᵀ| ≤ √(mk)·‖X‖_F·‖H‖_F, so <see cref="FrobeniusScale"/> = √k·‖X‖_F·(√m·‖H‖_F + √n·‖W‖_F) bounds the terms of
/// both sides, in the units of the violation (it scales with X, W and H as the violation does). A float product of
/// k terms is off by at most about k·2⁻²⁴ of its size (typically √k·2⁻²⁴). Measured, an exact start's first violation
/// is 3–4·10⁻⁷ of this scale for HALS at k = 5 to 120 (3·10⁻⁸ for CCD-KL, whose scale is
/// <see cref="CoordinateDescentKLSolver"/>'s), while every other first violation of the test suite is above 9·10⁻⁵ of
/// it (the smallest: warm starts from a converged fit; Random and SVD starts are above 2·10⁻³, mostly above 10⁻²).
/// <see cref="NoiseLevel"/> = 10⁻⁵ lies 25 times above the noise and 10 times below those. A start below it has
/// nothing a further iteration could show: the relative rule's target, Tolerance times the first violation, is
/// then below the rounding noise for any Tolerance up to 10⁻², so the violation could never reach it and the fit ran to
/// MaxIterations. The rule is read once, after iteration 1, so an ordinary fit runs exactly as before, bit for bit.
/// With <see cref="NmfFitOptions.Tolerance"/> = 0 the fit runs every iteration, as documented, whatever its start.
/// </remarks>
internal static class StoppingRule
{
    /// <summary>A first violation at most this fraction of the scale of its terms is rounding noise: the start is stationary.</summary>
    internal const double NoiseLevel = 1e-5;

    /// <summary>
    /// √k·‖X‖_F·(√m·‖H‖_F + √n·‖W‖_F): a bound on Σ|XHᵀ| + Σ|XᵀW|, the size of the terms of the Frobenius gradient's
    /// violation (see the remarks).
    /// </summary>
    internal static double FrobeniusScale(int rows, int columns, int rank, double dataSquaredNorm, double wSquaredNorm, double hSquaredNorm) =>
        Math.Sqrt(rank * dataSquaredNorm) * (Math.Sqrt(rows * hSquaredNorm) + Math.Sqrt(columns * wSquaredNorm));

    /// <summary>
    /// Whether an iteration's <paramref name="violation"/> stops the fit, given the first iteration's: at most
    /// <paramref name="tolerance"/> times it (a first violation of 0, an exactly stationary start, included), or, read after
    /// the first iteration (<paramref name="iteration"/> = 1), a first violation of at most <see cref="NoiseLevel"/> times
    /// <paramref name="scale"/> (a start stationary to float precision). A tolerance of 0 never stops the fit: it runs
    /// <see cref="NmfFitOptions.MaxIterations"/> iterations, as <see cref="NmfFitOptions.Tolerance"/> says (an exactly
    /// stationary start used to stop it after one).
    /// </summary>
    internal static bool Converged(int iteration, double violation, double firstViolation, double tolerance, double scale)
    {
        if (!(tolerance > 0))
            return false;
        if (firstViolation == 0 || violation / firstViolation <= tolerance)
            return true;
        return iteration == 1 && firstViolation <= NoiseLevel * scale;
    }
}
