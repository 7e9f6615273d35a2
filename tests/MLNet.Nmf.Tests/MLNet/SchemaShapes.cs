using System.Reflection;
using Microsoft.ML;

namespace MLNet.Nmf.Tests.MLNet;

/// <summary>
/// ML.NET builds a <see cref="SchemaShape"/> from a schema with an internal factory (its own tests use
/// it as a friend assembly); the tests reach it by reflection to call GetOutputSchema directly.
/// </summary>
internal static class SchemaShapes
{
    public static SchemaShape From(DataViewSchema schema) =>
        (SchemaShape)typeof(SchemaShape).GetMethod("Create", BindingFlags.Static | BindingFlags.NonPublic, new[] { typeof(DataViewSchema) })!
            .Invoke(null, new object[] { schema })!;

    public static SchemaShape.Column Find(SchemaShape shape, string name) => shape.Single(c => c.Name == name);
}
