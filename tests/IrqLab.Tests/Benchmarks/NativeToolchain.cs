using Xunit;

namespace IrqLab.Tests.Benchmarks;

/// <summary>
/// The tools that build the native C reference (<c>bench/native</c>): CMake and a C compiler on PATH. The README's
/// <c>dotnet test</c> must pass on a machine with only the .NET SDK, so a test that needs them is skipped there, with
/// the reason; <c>IRQLAB_REQUIRE_NATIVE=1</c> (set by <c>.ci/run</c>) runs it anyway, so that a CI machine without
/// the tools fails instead of skipping.
/// </summary>
internal static class NativeToolchain
{
    private const string RequireVariable = "IRQLAB_REQUIRE_NATIVE";

    /// <summary>True when <c>cmake</c> and a C compiler (<c>cc</c>, <c>gcc</c> or <c>clang</c>) are on PATH.</summary>
    public static bool Available { get; } = OnPath("cmake") && (OnPath("cc") || OnPath("gcc") || OnPath("clang"));

    /// <summary>The reason a native test is skipped here, or null when it runs.</summary>
    public static string? SkipReason =>
        Available || Environment.GetEnvironmentVariable(RequireVariable) == "1"
            ? null
            : $"needs CMake and a C compiler to build bench/native (not on PATH; set {RequireVariable}=1 to fail instead)";

    /// <summary>Skips the calling test when the tools are missing (see <see cref="SkipReason"/>).</summary>
    public static void RequireOrSkip()
    {
        if (SkipReason is { } reason)
        {
            Assert.Skip(reason);
        }
    }

    private static bool OnPath(string tool)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (File.Exists(Path.Combine(dir, tool)) || File.Exists(Path.Combine(dir, tool + ".exe")))
            {
                return true;
            }
        }

        return false;
    }
}
