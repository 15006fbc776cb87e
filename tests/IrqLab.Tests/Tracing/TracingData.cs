namespace IrqLab.Tests.Tracing;

/// <summary>Sample captures under Data/Tracing (copied to the output directory).</summary>
internal static class TracingData
{
    public static string PathOf(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Data", "Tracing", name);

    public static StreamReader Open(string name) => new(PathOf(name));
}
