namespace IrqLab.Kernel;

/// <summary>A setup request the kernel would refuse (<c>-ENOSPC</c>, <c>-EBUSY</c>, ...), with a kernel-style message.</summary>
public sealed class KernelSetupException : Exception
{
    /// <summary>Creates the exception.</summary>
    public KernelSetupException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with an errno.</summary>
    public KernelSetupException(string message, int errno)
        : base(message)
    {
        Errno = errno;
    }

    /// <summary>Creates the exception.</summary>
    public KernelSetupException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public KernelSetupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The negative errno the kernel returns (-28 ENOSPC, -16 EBUSY, -22 EINVAL), or 0.</summary>
    public int Errno { get; }
}
