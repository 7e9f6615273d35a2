namespace MLNet.Nmf.Engine.Solvers;

/// <summary>
/// The stopping rule of the coordinate-descent solvers (HALS, masked HALS, CCD-KL), as scikit-learn's
/// <c>_fit_coordinate_descent</c>: stop when the summed projected-gradient violation of an iteration is at most
/// <see cref="NmfFitOptions.Tolerance"/> times the first iteration's. One addition: a start that is already
/// stationary to float precision (data of exactly rank k with its own factors as the start, or the factors of a fit
/// that converged down to rounding noise) has a first violation that is rounding noise, and every later violation is
/// noise of the same size, so the relative rule compared noise with noise and ran every iteration up to MaxIterations,
/// reporting an exact fit as not converged. Such a first violation counts as converged.
/// </summary>
/// <remarks>
/// <para>
/// Noise is measured against the size of the terms whose difference the violation sums. For the Frobenius loss the
/// gradient with respect to W is W·HHᵀ − XHᵀ (with respect to H, the transposed problem's), so at a stationary point
/// each of its m·k entries is the rounding error of two float products of size |XHᵀ|; by Cauchy–Schwarz
/// Σ|XHᵀ| ≤ √(mk)·‖X‖_F·‖H‖_F, so <see cref="FrobeniusScale"/> = √k·‖X‖_F·(√m·‖H‖_F + √n·‖W‖_F) bounds the terms of
/// both sides, in the units of the violation. For Kullback-Leibler each coordinate's gradient is
/// Σ_j h_tj − Σ_j (x_ij / (WH)_ij)·h_tj, two sums of about Σ_j h_tj near a fit: the scale is 2·(m·ΣH + n·ΣW).
/// </para>
/// <para>
/// Measured on exact starts (dense and sparse, with and without zeros in the factors, k = 2 to 200, m and n from 40 to
/// 2000), the first violation is at most 4.4·10⁻⁷ of the Frobenius scale and 4.1·10⁻⁸ of the Kullback-Leibler one.
/// <see cref="FrobeniusNoiseLevel"/> = 2·10⁻⁶ and <see cref="KullbackLeiblerNoiseLevel"/> = 2·10⁻⁷ lie about five times
/// above that. Every other first violation of the test suite is above 9·10⁻⁵ of its scale (the smallest are warm starts
/// from a fit converged at the default tolerance; Random and SVD starts are above 2·10⁻³, mostly above 10⁻²), fifty
/// times above the levels: the rule decides only starts that are stationary to float precision, and a warm start from
/// an ordinary converged fit keeps iterating as before. It is read once, after iteration 1, so every other fit runs
/// exactly as before, bit for bit. With <see cref="NmfFitOptions.Tolerance"/> = 0 the fit runs every iteration, as
/// documented, whatever its start.
/// </para>
/// </remarks>
internal static class StoppingRule
{
    /// <summary>A first Frobenius violation at most this fraction of <see cref="FrobeniusScale"/> is rounding noise.</summary>
    internal const double FrobeniusNoiseLevel = 2e-6;

    /// <summary>A first Kullback-Leibler violation at most this fraction of the size of its gradient's terms is rounding noise.</summary>
    internal const double KullbackLeiblerNoiseLevel = 2e-7;

    /// <summary>
    /// √k·‖X‖_F·(√m·‖H‖_F + √n·‖W‖_F): a bound on Σ|XHᵀ| + Σ|XᵀW|, the size of the terms of the Frobenius gradient's
    /// violation (see the remarks).
    /// </summary>
    internal static double FrobeniusScale(int rows, int columns, int rank, double dataSquaredNorm, double wSquaredNorm, double hSquaredNorm) =>
        Math.Sqrt(rank * dataSquaredNorm) * (Math.Sqrt(rows * hSquaredNorm) + Math.Sqrt(columns * wSquaredNorm));

    /// <summary>The rounding noise of a first Frobenius violation (HALS, masked HALS) for these sizes and squared norms.</summary>
    internal static double FrobeniusNoise(int rows, int columns, int rank, double dataSquaredNorm, double wSquaredNorm, double hSquaredNorm) =>
        FrobeniusNoiseLevel * FrobeniusScale(rows, columns, rank, dataSquaredNorm, wSquaredNorm, hSquaredNorm);

    /// <summary>The rounding noise of a first Kullback-Leibler violation whose gradient's terms sum to <paramref name="termSize"/>.</summary>
    internal static double KullbackLeiblerNoise(double termSize) => KullbackLeiblerNoiseLevel * termSize;

    /// <summary>
    /// Whether an iteration's <paramref name="violation"/> stops the fit, given the first iteration's: at most
    /// <paramref name="tolerance"/> times it (a first violation of 0, an exactly stationary start, included), or, read after
    /// the first iteration (<paramref name="iteration"/> = 1), a first violation of at most <paramref name="noise"/> (a start
    /// stationary to float precision). A tolerance of 0 never stops the fit: it runs <see cref="NmfFitOptions.MaxIterations"/>
    /// iterations, as <see cref="NmfFitOptions.Tolerance"/> says (an exactly stationary start used to stop it after one).
    /// </summary>
    internal static bool Converged(int iteration, double violation, double firstViolation, double tolerance, double noise)
    {
        if (!(tolerance > 0))
            return false;
        if (firstViolation == 0 || violation / firstViolation <= tolerance)
            return true;
        return iteration == 1 && firstViolation <= noise;
    }
}
