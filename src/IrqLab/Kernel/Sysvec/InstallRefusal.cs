namespace IrqLab.Kernel.Sysvec;

/// <summary>Why a runtime system-vector install was refused (the three WARNs of <c>fred_install_sysvec</c> / <c>idt_install_sysvec</c>).</summary>
public enum InstallRefusal
{
    /// <summary>Installed.</summary>
    None,

    /// <summary><c>WARN_ON_ONCE(sysvec &lt; FIRST_SYSTEM_VECTOR)</c> (also used for vectors above 255).</summary>
    BelowFirstSystemVector,

    /// <summary><c>WARN_ON_ONCE(fred_setup_done)</c>: the table is sealed (<c>__ro_after_init</c>).</summary>
    SetupDone,

    /// <summary><c>WARN_ON_ONCE(sysvec_table[...])</c>: the slot is taken; it is not overwritten.</summary>
    SlotTaken,
}
