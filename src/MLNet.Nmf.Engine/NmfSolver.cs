namespace MLNet.Nmf;

/// <summary>The algorithm that fits W and H.</summary>
public enum NmfSolver
{
    /// <summary>
    /// Coordinate descent / HALS (Cichocki &amp; Phan 2009) on the Frobenius loss, as scikit-learn's <c>solver='cd'</c>.
    /// The fastest choice for <see cref="NmfLoss.Frobenius"/>.
    /// </summary>
    CoordinateDescent,

    /// <summary>
    /// Multiplicative updates for any beta-divergence (Lee &amp; Seung 2001; Févotte &amp; Idier 2011), as
    /// scikit-learn's <c>solver='mu'</c>.
    /// </summary>
    MultiplicativeUpdate,

    /// <summary>
    /// Cyclic coordinate descent for the Kullback-Leibler divergence with a Newton step per coordinate
    /// (Hsieh &amp; Dhillon, KDD 2011). Needs <see cref="NmfLoss.KullbackLeibler"/>.
    /// </summary>
    CoordinateDescentKL,
}

/// <summary>The divergence between X and WH that the fit minimizes.</summary>
public enum NmfLoss
{
    /// <summary>½‖X − WH‖²_F (beta = 2).</summary>
    Frobenius,

    /// <summary>Generalized Kullback-Leibler, Σ x log(x / y) − x + y (beta = 1).</summary>
    KullbackLeibler,

    /// <summary>Itakura-Saito, Σ x / y − log(x / y) − 1 (beta = 0). X must have no zeros.</summary>
    ItakuraSaito,

    /// <summary>The beta-divergence with <see cref="Engine.NmfFitOptions.Beta"/> as its beta.</summary>
    Beta,
}

/// <summary>How W and H start.</summary>
public enum NmfInitialization
{
    /// <summary><see cref="Nndsvda"/> when rank &lt;= min(m, n), else <see cref="Random"/> (scikit-learn's default).</summary>
    Auto,

    /// <summary>Seeded |N(0, 1)| · sqrt(mean(X) / k).</summary>
    Random,

    /// <summary>Non-negative double SVD (Boutsidis &amp; Gallopoulos 2008); keeps exact zeros, good for sparse factors with CD.</summary>
    Nndsvd,

    /// <summary>NNDSVD with its zeros filled by mean(X); the better start for multiplicative updates.</summary>
    Nndsvda,

    /// <summary>NNDSVD with its zeros filled by small seeded random values (mean(X) · |N(0,1)| / 100).</summary>
    Nndsvdar,

    /// <summary>The caller's <see cref="Engine.NmfFitOptions.InitialW"/> and <see cref="Engine.NmfFitOptions.InitialH"/>.</summary>
    Custom,
}
