namespace IrqLab.Benchmarks;

/// <summary>
/// The benchmark cannot run on this machine: the native reference is missing and cannot be built (no cmake, no C
/// compiler, no repository), or a given library path does not load. The CLI maps it to exit code 2.
/// </summary>
public sealed class BenchSetupException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BenchSetupException()
    {
    }

    /// <summary>Creates the exception with a message for the user.</summary>
    public BenchSetupException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public BenchSetupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
