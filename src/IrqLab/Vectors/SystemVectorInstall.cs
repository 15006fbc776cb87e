namespace IrqLab.Vectors;

/// <summary>How a system vector's handler gets into the table.</summary>
public enum SystemVectorInstall
{
    /// <summary>Filled at build time: in <c>apic_idts[]</c> (IDT) and the <c>sysvec_table[]</c> initializer (FRED).</summary>
    Static,

    /// <summary>Installed at run time by a guest driver with <c>sysvec_install()</c> (6.9+) or <c>alloc_intr_gate()</c>.</summary>
    Runtime,

    /// <summary>No handler exists: the slot always holds the spurious handler (unused holes, MANAGED_IRQ_SHUTDOWN_VECTOR).</summary>
    None,
}
