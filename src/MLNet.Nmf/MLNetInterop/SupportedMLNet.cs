using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace MLNet.Nmf.MLNetInterop;

/// <summary>
/// The Microsoft.ML versions this build supports: the package's two-ended dependency range (<c>MLNetVersionRange</c> in
/// MLNet.Nmf.csproj, stamped into the assembly), checked against the ML.NET assemblies actually loaded before MLNet.Nmf
/// touches their internals. Outside the range it fails with a message naming both, instead of a
/// <c>MissingMethodException</c> from deep inside a fit or a load.
/// </summary>
internal static class SupportedMLNet
{
    private static readonly Lazy<Exception?> Failure = new(() => Check(Loaded()));

    /// <summary>The range, e.g. "[5.0.1, 5.0.2)": NuGet's notation, lower bound included, upper excluded.</summary>
    public static string Range { get; } = typeof(SupportedMLNet).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "SupportedMLNetRange").Value!;

    /// <summary>Throws unless the loaded Microsoft.ML.Core and Microsoft.ML.Data are in <see cref="Range"/>.</summary>
    /// <exception cref="NotSupportedException">The loaded ML.NET is outside the supported range; the message names both.</exception>
    public static void EnsureLoadedVersionIsSupported()
    {
        if (Failure.Value is { } failure)
            throw new NotSupportedException(failure.Message);
    }

    /// <summary>The (assembly name, version) of the ML.NET assemblies whose internals MLNet.Nmf uses.</summary>
    internal static IEnumerable<(string Assembly, string Version)> Loaded() =>
        new[] { typeof(IHostEnvironment).Assembly, typeof(TransformsCatalog).Assembly }
            .Select(a => (a.GetName().Name!, a.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? a.GetName().Version!.ToString()));

    /// <summary>The error for the first assembly outside <see cref="Range"/>, or null when all are inside.</summary>
    internal static NotSupportedException? Check(IEnumerable<(string Assembly, string Version)> loaded)
    {
        var (low, high) = ParseRange(Range);
        foreach (var (assembly, informational) in loaded)
        {
            string text = informational.Split('+')[0];
            if (!Version.TryParse(text.Split('-')[0], out var version) || version < low || version >= high || text.Contains('-'))
                return new NotSupportedException(
                    $"MLNet.Nmf {typeof(SupportedMLNet).Assembly.GetName().Version!.ToString(3)} supports Microsoft.ML {Range} only (it relies on " +
                    $"ML.NET internals that can change in any release), but {assembly} {text} is loaded. Reference Microsoft.ML " +
                    $"{low.ToString(3)}, or an MLNet.Nmf version built for Microsoft.ML {text}.");
        }
        return null;
    }

    private static (Version Low, Version High) ParseRange(string range)
    {
        var parts = range.Trim('[', ')').Split(',', StringSplitOptions.TrimEntries);
        return (Version.Parse(parts[0]), Version.Parse(parts[1]));
    }
}
