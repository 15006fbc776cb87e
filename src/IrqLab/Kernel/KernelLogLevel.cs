namespace IrqLab.Kernel;

/// <summary>printk log levels (<c>include/linux/kern_levels.h</c>); JSON spelling is the lower-case name (<c>"emerg"</c>).</summary>
public enum KernelLogLevel
{
    /// <summary>KERN_EMERG (0).</summary>
    Emerg,

    /// <summary>KERN_ALERT (1).</summary>
    Alert,

    /// <summary>KERN_CRIT (2).</summary>
    Crit,

    /// <summary>KERN_ERR (3).</summary>
    Err,

    /// <summary>KERN_WARNING (4); also KERN_DEFAULT in this model.</summary>
    Warning,

    /// <summary>KERN_NOTICE (5).</summary>
    Notice,

    /// <summary>KERN_INFO (6).</summary>
    Info,

    /// <summary>KERN_DEBUG (7).</summary>
    Debug,
}
