using IrqLab.Benchmarks;

namespace IrqLab.Tests.Benchmarks;

/// <summary>
/// Loads the native reference once per test class, building it with cmake when missing. On a machine without CMake or
/// a C compiler the tests that use it are skipped with the reason (<see cref="NativeToolchain"/>), unless
/// IRQLAB_REQUIRE_NATIVE=1 (CI), where they fail with the <see cref="BenchSetupException"/> message.
/// </summary>
public sealed class NativeFixture : IDisposable
{
    private readonly StringWriter _log = new();

    private readonly NativeReference? _native;
    private readonly string? _path;
    private readonly string? _skipReason;

    public NativeFixture()
    {
        // Without CMake and a C compiler the library cannot be built, unless IRQLAB_NATIVE_LIB names one built elsewhere:
        // the tests that use it are skipped (NativeToolchain).
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(NativeLibraryLocator.EnvironmentVariable)))
        {
            _skipReason = NativeToolchain.SkipReason;
        }

        if (_skipReason is not null)
        {
            return;
        }

        _path = NativeLibraryLocator.Resolve(null, _log);
        _native = NativeReference.Load(_path);
    }

    /// <summary>The loaded native reference; skips the calling test where it cannot be built.</summary>
    internal NativeReference Native
    {
        get
        {
            SkipIfUnavailable();
            return _native!;
        }
    }

    /// <summary>The native library's path; skips the calling test where it cannot be built.</summary>
    public string Path
    {
        get
        {
            SkipIfUnavailable();
            return _path!;
        }
    }

    private void SkipIfUnavailable()
    {
        if (_skipReason is not null)
        {
            Xunit.Assert.Skip(_skipReason);
        }
    }

    public string Log => _log.ToString();

    public void Dispose()
    {
        _native?.Dispose();
        _log.Dispose();
    }
}
