namespace MLNet.Nmf.Engine.Projection;

/// <summary>
/// The exact finish of a Frobenius projection whose coordinate sweeps did not meet their tolerance within the sweep
/// limit: the Lawson–Hanson active-set method (Lawson &amp; Hanson 1974, ch. 23; on the normal equations as in Bro &amp;
/// de Jong 1997) for
/// <code>min_{w ≥ 0} ½ wᵀ(G + L2·I)w − (p − L1)ᵀw</code>
/// (G = HHᵀ or a row's observed Gram matrix, summed in double: the sweeps' float-accumulated Gram carries about 1e-7
/// of its diagonal in rounding, under which near-collinear passive sets are not positive definite; p = xHᵀ as the
/// sweeps used it), in double, started from the sweeps' features, whose positive coordinates are the first passive set. Each passive set is solved by a Cholesky
/// factorization; a coordinate enters while its gradient is positive and leaves when the step towards the unconstrained
/// solution would take it below 0, until no coordinate outside the set can lower the objective: the KKT conditions hold
/// to double rounding, and the features are the row's exact minimizer rounded to float. The result depends only on the
/// row and H (no thread count, no neighbour), so Fit and Transform agree on it bit for bit.
/// </summary>
/// <remarks>
/// Near-collinear components (a large k, or k close to the number of features) make coordinate descent converge
/// slowly: at k = 60 on 64 pixels most rows are still moving after 500 sweeps. The finish costs a few k³/3
/// factorizations per row and runs only for such rows; a row whose sweeps met the tolerance keeps their bits.
/// </remarks>
internal sealed class ActiveSetRow
{
    private readonly int _k;
    private readonly double[] _w, _z, _b, _gradient, _factor;
    private readonly int[] _passive;
    private readonly bool[] _isPassive;

    public ActiveSetRow(int k)
    {
        _k = k;
        _w = new double[k];
        _z = new double[k];
        _b = new double[k];
        _gradient = new double[k];
        _factor = new double[checked(k * k)];
        _passive = new int[k];
        _isPassive = new bool[k];
    }

    /// <summary>
    /// Replaces <paramref name="features"/> (the sweeps' features, ≥ 0) by the exact minimizer, unless rounding made the
    /// active-set result's objective (in double) higher than theirs, which are then kept.
    /// </summary>
    /// <param name="gram">G (k x k, row-major, symmetric) in double, without the L2 term.</param>
    /// <param name="l2">The L2 weight added to G's diagonal.</param>
    /// <param name="product">p = x·Hᵀ, as the sweeps used it.</param>
    /// <param name="l1">The L1 weight.</param>
    /// <param name="features">In: the sweeps' features; out: the minimizer.</param>
    public unsafe void Finish(ReadOnlySpan<double> gram, double l2, float* product, double l1, float* features)
    {
        int k = _k;
        double scale = 0;
        for (int t = 0; t < k; t++)
        {
            _w[t] = features[t];
            _b[t] = product[t] - l1;
            scale = Math.Max(scale, Math.Abs(_b[t]));
        }
        double start = Objective(gram, l2, _w);
        if (scale == 0)
            return; // p ≤ L1 everywhere at 0 and p = L1: nothing to gain
        // A coordinate enters only when its gradient exceeds double rounding of the products it is made of.
        double threshold = 1e-12 * scale;
        int count = 0;
        for (int t = 0; t < k; t++)
        {
            _isPassive[t] = _w[t] > 0;
            if (_isPassive[t])
                _passive[count++] = t;
        }
        // Lawson–Hanson terminates in exact arithmetic; the cap only guards against cycling from rounding.
        int steps = 0, maxSteps = 3 * k + 30;
        bool solved = count == 0;
        while (steps++ < maxSteps)
        {
            if (!solved)
            {
                if (!SolvePassive(gram, l2, count))
                    break;
                double alpha = 1;
                int leaving = -1;
                for (int s = 0; s < count; s++)
                {
                    int t = _passive[s];
                    if (_z[t] > 0)
                        continue;
                    double ratio = _w[t] / (_w[t] - _z[t]);
                    if (ratio < alpha)
                    {
                        alpha = ratio;
                        leaving = t;
                    }
                }
                for (int s = 0; s < count; s++)
                {
                    int t = _passive[s];
                    _w[t] += alpha * (_z[t] - _w[t]);
                }
                if (leaving >= 0)
                {
                    // Move to the boundary: the coordinates that reach 0 (the one that set alpha, and any tied with it) leave.
                    _w[leaving] = 0;
                    count = Compact(count);
                    continue;
                }
                solved = true;
            }
            int entering = Entering(gram, l2, threshold);
            if (entering < 0)
            {
                Accept(gram, l2, start, features);
                return;
            }
            _isPassive[entering] = true;
            _passive[count++] = entering;
            solved = false;
        }
        // Stopped without a certificate (cycling, or a passive set rounding made singular): keep the better point.
        Accept(gram, l2, start, features);
    }

    /// <summary>Drops the passive coordinates that are at or below 0 (setting them to exactly 0).</summary>
    private int Compact(int count)
    {
        int kept = 0;
        for (int s = 0; s < count; s++)
        {
            int t = _passive[s];
            if (_w[t] > 0)
                _passive[kept++] = t;
            else
            {
                _w[t] = 0;
                _isPassive[t] = false;
            }
        }
        return kept;
    }

    /// <summary>The coordinate outside the passive set with the largest gradient b − Aw above the threshold; −1 if none.</summary>
    private int Entering(ReadOnlySpan<double> gram, double l2, double threshold)
    {
        int k = _k, best = -1;
        double largest = threshold;
        for (int t = 0; t < k; t++)
        {
            if (_isPassive[t])
                continue;
            double g = _b[t] - l2 * _w[t];
            var row = gram.Slice(t * k, k);
            for (int u = 0; u < k; u++)
                g -= row[u] * _w[u];
            _gradient[t] = g;
            if (g > largest)
            {
                largest = g;
                best = t;
            }
        }
        return best;
    }

    /// <summary>
    /// z_P = (G + L2·I)_PP⁻¹ b_P by Cholesky, in the passive set's order (ascending, as it is kept); false when the
    /// passive block is not positive definite to double precision.
    /// </summary>
    private bool SolvePassive(ReadOnlySpan<double> gram, double l2, int count)
    {
        Array.Sort(_passive, 0, count);
        int k = _k;
        var l = _factor;
        for (int i = 0; i < count; i++)
        {
            int ti = _passive[i];
            for (int j = 0; j <= i; j++)
            {
                int tj = _passive[j];
                double sum = gram[ti * k + tj] + (i == j ? l2 : 0);
                for (int r = 0; r < j; r++)
                    sum -= l[i * count + r] * l[j * count + r];
                if (i == j)
                {
                    if (!(sum > 1e-14 * (gram[ti * k + ti] + l2)))
                        return false;
                    l[i * count + i] = Math.Sqrt(sum);
                }
                else
                    l[i * count + j] = sum / l[j * count + j];
            }
        }
        // L y = b_P, then Lᵀ z = y.
        for (int i = 0; i < count; i++)
        {
            double sum = _b[_passive[i]];
            for (int r = 0; r < i; r++)
                sum -= l[i * count + r] * _gradient[r];
            _gradient[i] = sum / l[i * count + i]; // y, in the gradient's scratch
        }
        Array.Clear(_z);
        for (int i = count - 1; i >= 0; i--)
        {
            double sum = _gradient[i];
            for (int r = i + 1; r < count; r++)
                sum -= l[r * count + i] * _z[_passive[r]];
            _z[_passive[i]] = sum / l[i * count + i];
        }
        return true;
    }

    /// <summary>Writes the active-set point as floats when its objective is not above the start's.</summary>
    private unsafe void Accept(ReadOnlySpan<double> gram, double l2, double start, float* features)
    {
        int k = _k;
        for (int t = 0; t < k; t++)
            _z[t] = Math.Max(0, (float)_w[t]);
        if (!(Objective(gram, l2, _z) <= start))
            return;
        for (int t = 0; t < k; t++)
            features[t] = (float)_z[t];
    }

    /// <summary>½ wᵀ(G + L2·I)w − bᵀw in double.</summary>
    private double Objective(ReadOnlySpan<double> gram, double l2, double[] w)
    {
        int k = _k;
        double sum = 0;
        for (int s = 0; s < k; s++)
        {
            if (w[s] == 0)
                continue;
            double row = l2 * w[s];
            var g = gram.Slice(s * k, k);
            for (int t = 0; t < k; t++)
                row += g[t] * w[t];
            sum += w[s] * (0.5 * row - _b[s]);
        }
        return sum;
    }
}
