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
/// fraction · rows · columns stored values during the run. A mask is the data's copy (dense: 4 bytes an entry; sparse:
/// 8 bytes a stored value) plus 8 bytes per held-out entry, and building it allocates no more than that. Its draw costs
/// one random number per held-out entry (the gaps between held-out entries are drawn, geometric), not one per entry, so a
/// sparse mask costs its stored values and held-out entries whatever rows × columns. Repeat r uses seed <c>Seed + r</c> for both its mask and its
/// fit, for every rank. A repeat whose draw holds out no entry (data of fewer observed entries than about
/// 1 / fraction) holds out one observed entry chosen by its seed, so that every repeat measures a held-out error.
/// The repeats run one after another, each fitting every rank on its own mask: one masked copy of the data is alive at
/// a time, whatever the number of repeats, and each rank's line is logged as the last repeat finishes it.
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

        // Repeat by repeat, so that one mask (a copy of the data with its held-out entries set to NaN) is alive at a time:
        // the peak memory does not grow with the repeats. A rank's line is complete, and logged, in the last repeat.
        var heldOut = new double[ranks.Count, repeats];
        var training = new double[ranks.Count, repeats];
        var components = new DenseMatrix[ranks.Count][];
        var seconds = new double[ranks.Count];
        var scores = new List<NmfRankScore>(ranks.Count);
        for (int r = 0; r < repeats; r++)
        {
            var mask = HoldOut.Create(x, holdOutFraction, unchecked(fit.Seed + r));
            for (int i = 0; i < ranks.Count; i++)
            {
                var options = fit with { Rank = ranks[i], Seed = unchecked(fit.Seed + r), MissingValues = NmfMissingValues.Ignore, Log = null };
                var clock = Stopwatch.StartNew();
                var result = NmfEngine.Fit(mask.Training, options);
                seconds[i] += clock.Elapsed.TotalSeconds;
                heldOut[i, r] = mask.HeldOutRmse(result.W, result.H);
                training[i, r] = Math.Sqrt(2 * result.Divergence / Math.Max(1, mask.TrainingCount));
                (components[i] ??= new DenseMatrix[repeats])[r] = result.H;
                if (r == repeats - 1)
                    scores.Add(Score(ranks[i], Row(heldOut, i), Row(training, i), components[i], seconds[i] / repeats, fit.Log));
            }
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

    private static NmfRankScore Score(int rank, double[] heldOut, double[] training, DenseMatrix[] components, double seconds, Action<string>? log)
    {
        var score = new NmfRankScore(rank, heldOut.Average(), Spread(heldOut), training.Average(), Spread(training),
            ComponentMatching.MeanStability(components), seconds);
        log?.Invoke(FormattableString.Invariant($"NMF rank {rank}: held-out RMSE {score.HeldOutError:G5}, training RMSE {score.TrainingError:G5}, stability {score.Stability:F3}, {score.Seconds:F2} s per fit."));
        return score;
    }

    private static double[] Row(double[,] values, int row) =>
        Enumerable.Range(0, values.GetLength(1)).Select(c => values[row, c]).ToArray();

    private static double Spread(double[] values)
    {
        if (values.Length < 2)
            return 0;
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
    }
}
