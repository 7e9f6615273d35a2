namespace MLNet.Nmf.Engine.RankSelection;

/// <summary>One rank's line of a <see cref="NmfRankSelectionResult"/>; errors are root mean squares per entry, mean ± standard deviation over the repeats.</summary>
/// <param name="Rank">The rank k.</param>
/// <param name="HeldOutError">RMS of x − w·h over the held-out entries (predicted, never fitted): the figure to minimise.</param>
/// <param name="HeldOutErrorSpread">Standard deviation of <paramref name="HeldOutError"/> over the repeats (0 with one repeat).</param>
/// <param name="TrainingError">RMS of x − w·h over the entries the fit saw; it keeps falling as the rank grows.</param>
/// <param name="TrainingErrorSpread">Standard deviation of <paramref name="TrainingError"/> over the repeats.</param>
/// <param name="Stability">Mean cosine similarity of matched components between the repeats' fits (different seeds and
/// masks), 1 = the same components every time; NaN with one repeat.</param>
/// <param name="Seconds">Mean fit time of one repeat.</param>
public sealed record NmfRankScore(int Rank, double HeldOutError, double HeldOutErrorSpread, double TrainingError, double TrainingErrorSpread,
    double Stability, double Seconds);
