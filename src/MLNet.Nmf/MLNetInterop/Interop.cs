using System.Runtime.CompilerServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

// ML.NET keeps its save/load plumbing internal (dotnet/machinelearning issues 4911 and 6839). MLNet.Nmf
// compiles against publicized copies of these two assemblies (made at build time by
// src/MLNet.Nmf.Publicizer, kept in obj/, never shipped) and runs against the real ones; these
// attributes tell the runtime to let this assembly use the members it compiled against.
// Every use of ML.NET internals is in this folder, NmfTransformer.cs and Reconstruction/NmfReconstructionTransformer.cs;
// see README.md here.
[assembly: IgnoresAccessChecksTo("Microsoft.ML.Core")]
[assembly: IgnoresAccessChecksTo("Microsoft.ML.Data")]

namespace System.Runtime.CompilerServices
{
    /// <summary>Honoured by the .NET runtime: the named assembly's access checks are skipped for this one.</summary>
    [AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
    internal sealed class IgnoresAccessChecksToAttribute : Attribute
    {
        public IgnoresAccessChecksToAttribute(string assemblyName) => AssemblyName = assemblyName;

        public string AssemblyName { get; }
    }
}

namespace MLNet.Nmf.MLNetInterop
{
    /// <summary>The few internal ML.NET members MLNet.Nmf needs, each behind one small method.</summary>
    internal static class Interop
    {
        /// <summary>The host environment behind a catalog (ML.NET's own catalogs use the same internal property).</summary>
        /// <exception cref="NotSupportedException">The loaded ML.NET is outside the supported range (<see cref="SupportedMLNet"/>).</exception>
        public static IHostEnvironment EnvironmentOf(TransformsCatalog catalog)
        {
            SupportedMLNet.EnsureLoadedVersionIsSupported();
            return CatalogUtils.GetEnvironment(catalog);
        }

        /// <summary>
        /// How many bytes of the current model block remain from the reader's position: ML.NET's header records
        /// the block's extent, so a payload can be decoded within exactly its own bytes.
        /// </summary>
        public static long RemainingInModel(ModelLoadContext ctx) =>
            ctx.FpMin + ctx.Header.FpModel + ctx.Header.CbModel - ctx.Reader.BaseStream.Position;

        /// <summary>The MLContext's seed, or null when it was created without one.</summary>
        public static int? SeedOf(IHostEnvironment environment) =>
            environment is IHostEnvironmentInternal e ? e.Seed : null;
    }
}
