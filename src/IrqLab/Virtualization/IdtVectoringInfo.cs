using IrqLab.Delivery;

namespace IrqLab.Virtualization;

/// <summary>
/// The IDT-vectoring information and error code (VMCS 0x4408, 0x440A; SDM 24.9.3, 27.2.3): a VM exit that happens
/// while an event is being delivered through the guest IDT (including an event injected by VM entry) records that
/// event; the VMM re-injects it on the next entry. <see cref="TryTakeForReinjection(out InterruptionInfo, out uint)"/>
/// follows KVM <c>__vmx_complete_interrupts</c> (<c>arch/x86/kvm/vmx/vmx.c</c>): NMIs, hardware and software exceptions,
/// software and external interrupts are requeued; types 1, 5 and 7 fall to <c>default: break</c> and are dropped.
/// </summary>
public sealed class IdtVectoringInfo
{
    /// <summary>The recorded IDT-vectoring information (invalid when nothing is recorded).</summary>
    public InterruptionInfo Info { get; private set; }

    /// <summary>The IDT-vectoring error code (meaningful when <see cref="InterruptionInfo.ErrorCodeValid"/>).</summary>
    public uint ErrorCode { get; private set; }

    /// <summary>The VM-exit instruction length saved with a software interrupt or exception (0 otherwise).</summary>
    public int InstructionLength { get; private set; }

    /// <summary>Records the event whose delivery the VM exit interrupted.</summary>
    public void Record(InterruptionInfo info, uint errorCode) => Record(info, errorCode, 0);

    /// <summary>Records the event and the VM-exit instruction length (needed to re-inject types 4 and 6).</summary>
    public void Record(InterruptionInfo info, uint errorCode, int instructionLength)
    {
        Info = info;
        ErrorCode = errorCode;
        InstructionLength = instructionLength;
    }

    /// <summary>Forgets the recorded event (the next VM exit without event delivery clears the valid bit).</summary>
    public void Clear() => Record(default, 0, 0);

    /// <summary>
    /// Takes the recorded event for re-injection and clears the record. Returns false when nothing valid is recorded
    /// or the type is one KVM does not requeue (reserved, privileged software exception, other event). The returned
    /// value is a VM-entry interruption-information field: valid, type, vector and (exceptions only) deliver-error-code;
    /// the undefined bit 12 is dropped. Re-injecting an NMI also means the VMM clears (virtual-)NMI blocking first
    /// (<c>vmx_set_nmi_mask(vcpu, false)</c>, SDM 27.7.1.2 of the 2008 edition).
    /// </summary>
    public bool TryTakeForReinjection(out InterruptionInfo info, out uint errorCode) =>
        TryTakeForReinjection(out info, out errorCode, out _);

    /// <summary>As <see cref="TryTakeForReinjection(out InterruptionInfo, out uint)"/>, also returning the instruction length.</summary>
    public bool TryTakeForReinjection(out InterruptionInfo info, out uint errorCode, out int instructionLength)
    {
        var recorded = Info;
        var recordedError = ErrorCode;
        var recordedLength = InstructionLength;
        Clear();
        info = default;
        errorCode = 0;
        instructionLength = 0;
        if (!recorded.Valid)
        {
            return false;
        }

        switch (recorded.Type)
        {
            case EventType.HardwareException:
            case EventType.SoftwareException:
                var withCode = recorded.ErrorCodeValid;
                info = InterruptionInfo.Create(recorded.Type, recorded.Vector, withCode);
                errorCode = withCode ? recordedError : 0;
                instructionLength = recorded.Type == EventType.SoftwareException ? recordedLength : 0;
                return true;
            case EventType.Nmi:
            case EventType.ExternalInterrupt:
                info = InterruptionInfo.Create(recorded.Type, recorded.Vector, false);
                return true;
            case EventType.SoftwareInterrupt:
                info = InterruptionInfo.Create(recorded.Type, recorded.Vector, false);
                instructionLength = recordedLength;
                return true;
            default:
                return false;
        }
    }
}
