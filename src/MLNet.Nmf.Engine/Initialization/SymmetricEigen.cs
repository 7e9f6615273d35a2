namespace MLNet.Nmf.Engine.Initialization;

/// <summary>Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations, in double.</summary>
internal static class SymmetricEigen
{
    /// <summary>
    /// Decomposes the symmetric n x n matrix <paramref name="a"/> (row-major, not modified).
    /// Returns eigenvalues in descending order and the matching unit eigenvectors as the columns of an
    /// n x n row-major matrix, each with its largest-magnitude entry positive (a fixed sign, for determinism).
    /// </summary>
    public static (double[] Values, double[] Vectors) Decompose(double[] a, int n) =>
        Decompose(a, n, new Workspace(n));

    /// <summary>
    /// <see cref="Decompose(double[], int)"/> in <paramref name="workspace"/>'s arrays: the vectors returned are its
    /// <see cref="Workspace.Vectors"/>, valid until its next use (the randomized SVD decomposes a dozen l x l matrices,
    /// each array of which is a large-object allocation from l = 104 on).
    /// </summary>
    public static (double[] Values, double[] Vectors) Decompose(double[] a, int n, Workspace workspace)
    {
        if (workspace.Size != n)
            throw new ArgumentException($"The workspace is for {workspace.Size} x {workspace.Size} matrices, not {n} x {n}.", nameof(workspace));
        var m = workspace.Matrix;
        var v = workspace.Rotations;
        Array.Copy(a, m, checked(n * n));
        Array.Clear(v);
        for (int i = 0; i < n; i++)
            v[i * n + i] = 1;
        for (int sweep = 0; sweep < 100; sweep++)
        {
            double off = 0, diag = 0;
            for (int p = 0; p < n; p++)
            {
                diag += m[p * n + p] * m[p * n + p];
                for (int q = p + 1; q < n; q++)
                    off += m[p * n + q] * m[p * n + q];
            }
            if (off <= 1e-30 * Math.Max(diag, double.Epsilon))
                break;
            for (int p = 0; p < n; p++)
            {
                for (int q = p + 1; q < n; q++)
                {
                    double apq = m[p * n + q];
                    if (apq == 0)
                        continue;
                    double theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
                    double t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    if (theta == 0) t = 1;
                    double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
                    for (int r = 0; r < n; r++)
                    {
                        double mrp = m[r * n + p], mrq = m[r * n + q];
                        m[r * n + p] = c * mrp - s * mrq;
                        m[r * n + q] = s * mrp + c * mrq;
                    }
                    for (int r = 0; r < n; r++)
                    {
                        double mpr = m[p * n + r], mqr = m[q * n + r];
                        m[p * n + r] = c * mpr - s * mqr;
                        m[q * n + r] = s * mpr + c * mqr;
                    }
                    for (int r = 0; r < n; r++)
                    {
                        double vrp = v[r * n + p], vrq = v[r * n + q];
                        v[r * n + p] = c * vrp - s * vrq;
                        v[r * n + q] = s * vrp + c * vrq;
                    }
                }
            }
        }
        var order = Enumerable.Range(0, n).OrderByDescending(i => m[i * n + i]).ThenBy(i => i).ToArray();
        var values = new double[n];
        var vectors = workspace.Vectors;
        for (int c = 0; c < n; c++)
        {
            int src = order[c];
            values[c] = m[src * n + src];
            int argmax = 0;
            for (int r = 1; r < n; r++)
                if (Math.Abs(v[r * n + src]) > Math.Abs(v[argmax * n + src])) argmax = r;
            double sign = v[argmax * n + src] < 0 ? -1 : 1;
            for (int r = 0; r < n; r++)
                vectors[r * n + c] = sign * v[r * n + src];
        }
        return (values, vectors);
    }

    /// <summary>The n x n arrays of one decomposition, reusable for the next of the same size.</summary>
    internal sealed class Workspace
    {
        public Workspace(int n)
        {
            Size = n;
            Matrix = new double[checked(n * n)];
            Rotations = new double[checked(n * n)];
            Vectors = new double[checked(n * n)];
        }

        /// <summary>n.</summary>
        public int Size { get; }

        /// <summary>The matrix being diagonalized (a copy of the input).</summary>
        public double[] Matrix { get; }

        /// <summary>The accumulated rotations.</summary>
        public double[] Rotations { get; }

        /// <summary>The sorted eigenvectors (the result).</summary>
        public double[] Vectors { get; }
    }
}
