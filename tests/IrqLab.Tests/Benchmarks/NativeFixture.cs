using IrqLab.Benchmarks;

namespace IrqLab.Tests.Benchmarks;

/// <summary>
/// Loads the native reference once per test class, building it with cmake when missing. No skipping: on a machine
/// without cmake or a C compiler every test of the class fails with the <see cref="BenchSetupException"/> message.
/// </summary>
public sealed class NativeFixture : IDisposable
{
    private readonly StringWriter _log = new();

    public NativeFixture()
    {
        Path = NativeLibraryLocator.Resolve(null, _log);
        Native = NativeReference.Load(Path);
    }

    internal NativeReference Native { get; }

    public string Path { get; }

    public string Log => _log.ToString();

    public void Dispose()
    {
        Native.Dispose();
        _log.Dispose();
    }
}
