namespace IrqLab.Virtualization;

/// <summary>
/// The result of EOI virtualization (SDM 29.1.4): the vector taken out of VISR (the old SVI) and whether its
/// EOI-exit-bitmap bit asks for an EOI-induced VM exit (reason 45, exit qualification = vector) instead of evaluating
/// pending virtual interrupts.
/// </summary>
/// <param name="Vector">The vector whose VISR bit was cleared (the SVI value before the EOI).</param>
/// <param name="ExitRequired">True when the EOI-exit bitmap bit for <paramref name="Vector"/> is set.</param>
public readonly record struct EoiOutcome(int Vector, bool ExitRequired)
{
    /// <summary><see cref="VmExitReasons.EoiInduced"/> when an exit is required, otherwise -1.</summary>
    public int ExitReason => ExitRequired ? VmExitReasons.EoiInduced : -1;
}
