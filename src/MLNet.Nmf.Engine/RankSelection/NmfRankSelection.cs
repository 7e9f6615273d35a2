using System.Diagnostics;
using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Engine.RankSelection;

/// <summary>
/// Chooses the rank by cross-validation over entries (Wold 1978; Owen &amp; Perry 2009's bi-cross-validation;
/// RcppML's <c>crossValidate</c>): hold out a seeded random fraction of the observed entries, fit each rank with
/// <see cref="NmfMissingValues.Ignore"/> on the rest, and measure how well w·h predicts the held-out ones. Too small a
/// rank underfits; too large a rank fits the noise and predicts worse, so the held-out error has its minimum near
/// the rank the data has.
/// </summary>
/// <remarks>
/// Entries already missing (NaN) stay missing and are never held out. In sparse data the implicit zeros are observed
/// entries too and can be held out: each becomes an explicit NaN, so a sparse matrix grows by about
/// fraction · rows · columns stored values during the run. Repeat r uses seed <c>Seed + r</c> for both its mask and its
/// fit, for every rank. A repeat whose draw holds out no entry (data of fewer observed entries than about
/// 1 / fraction) holds out one observed entry chosen by its seed, so that every repeat measures a held-out error.
/// </remarks>
public static class NmfRankSelection
{
    /// <summary>Runs the cross-validation.</summary>
    /// <param name="x">The data (NaN = missing when built with <see cref="NmfMissingValues.Ignore"/>).</param>
    /// <param name="ranks">The ranks to try, each at least 1.</param>
    /// <param name="fit">The fit settings for every rank (its Rank, Seed and MissingValues are replaced); null for the defaults.</param>
    /// <param name="holdOutFraction">Share of the observed entries held out, in (0, 0.5].</param>
    /// <param name="repeats">Number of masks (and seeds), at least 1; 2 or more also measure stability.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range; the message names it.</exception>
    /// <exception cref="ArgumentException"><paramref name="fit"/>'s Solver is not CoordinateDescent, a rank is above the number of
    /// columns (or, with an SVD initialization, above min(rows, columns)), or the data has fewer than two observed entries.</exception>
    public static NmfRankSelectionResult Run(INmfMatrix x, IReadOnlyList<int> ranks, NmfFitOptions? fit = null,
        double holdOutFraction = 0.1, int repeats = 3)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(ranks);
        if (x is not (DenseMatrix or CsrMatrix))
            throw new ArgumentException($"Unsupported matrix type {x.GetType().Name}; use DenseMatrix or CsrMatrix.", nameof(x));
        fit ??= new NmfFitOptions();
        if (ranks.Count == 0)
            throw new ArgumentOutOfRangeException(nameof(ranks), "Give at least one rank.");
        foreach (int r in ranks)
            if (r < 1)
                throw new ArgumentOutOfRangeException(nameof(ranks), r, "Every rank must be at least 1.");
        if (!(holdOutFraction > 0 && holdOutFraction <= 0.5))
            throw new ArgumentOutOfRangeException(nameof(holdOutFraction), holdOutFraction, "The held-out fraction must be in (0, 0.5].");
        if (repeats < 1)
            throw new ArgumentOutOfRangeException(nameof(repeats), repeats, "Repeats must be at least 1.");
        if (fit.Solver != NmfSolver.CoordinateDescent)
            throw new ArgumentException(FormattableString.Invariant(
                $"Rank selection fits each rank with the held-out entries missing, which only Solver = CoordinateDescent (Loss = Frobenius) can do, but Solver is {fit.Solver}. Choose the rank with CoordinateDescent, then fit the chosen rank with {fit.Solver}."),
                nameof(NmfFitOptions.Solver));

        CheckRanks(x, ranks, fit);

        var masks = Enumerable.Range(0, repeats).Select(r => HoldOut.Create(x, holdOutFraction, unchecked(fit.Seed + r))).ToArray();
        var scores = new List<NmfRankScore>(ranks.Count);
        foreach (int rank in ranks)
        {
            var heldOut = new double[repeats];
            var training = new double[repeats];
            var components = new DenseMatrix[repeats];
            double seconds = 0;
            for (int r = 0; r < repeats; r++)
            {
                var options = fit with { Rank = rank, Seed = unchecked(fit.Seed + r), MissingValues = NmfMissingValues.Ignore, Log = null };
                var clock = Stopwatch.StartNew();
                var result = NmfEngine.Fit(masks[r].Training, options);
                seconds += clock.Elapsed.TotalSeconds;
                heldOut[r] = masks[r].HeldOutRmse(result.W, result.H);
                training[r] = Math.Sqrt(2 * result.Divergence / Math.Max(1, masks[r].TrainingCount));
                components[r] = result.H;
            }
            var score = new NmfRankScore(rank, heldOut.Average(), Spread(heldOut), training.Average(), Spread(training),
                ComponentMatching.MeanStability(components), seconds / repeats);
            scores.Add(score);
            fit.Log?.Invoke(FormattableString.Invariant($"NMF rank {rank}: held-out RMSE {score.HeldOutError:G5}, training RMSE {score.TrainingError:G5}, stability {score.Stability:F3}, {score.Seconds:F2} s per fit."));
        }
        return new NmfRankSelectionResult(scores, holdOutFraction, repeats);
    }

    /// <summary>
    /// Every rank against the data's shape (Rank &lt;= columns; an SVD start needs Rank &lt;= min(rows, columns)), before the
    /// first fit: a rank the data cannot take is refused at once, not after fitting (and losing) every rank before it.
    /// </summary>
    private static void CheckRanks(INmfMatrix x, IReadOnlyList<int> ranks, NmfFitOptions fit)
    {
        (fit with { Rank = 1, MissingValues = NmfMissingValues.Ignore }).Validate(); // the other options, named as themselves
        foreach (int rank in ranks)
        {
            var options = fit with { Rank = rank, MissingValues = NmfMissingValues.Ignore };
            var init = Initialization.Initializer.Resolve(options.Initialization, rank, x.Rows, x.Columns);
            try
            {
                // The shape alone: the data's values (all zeros, too few observed entries) are the masks' and fits' to judge.
                OptionsValidator.Validate(options, x.Rows, x.Columns, sum: 1, minValue: 1, init);
            }
            catch (ArgumentException e)
            {
                string reason = e.Message.Split(" (Parameter '")[0];
                throw new ArgumentException(FormattableString.Invariant($"ranks has {rank}, which this data ({x.Rows} x {x.Columns}) cannot take: {reason}"), nameof(ranks), e);
            }
        }
    }

    private static double Spread(double[] values)
    {
        if (values.Length < 2)
            return 0;
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
    }
}
