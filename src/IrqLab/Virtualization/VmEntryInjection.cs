using IrqLab.Delivery;

namespace IrqLab.Virtualization;

/// <summary>
/// The VM-entry checks on event injection, in the order the CPU performs them: control-field checks on the
/// VM-entry interruption-information, exception error-code and instruction-length fields (SDM Vol. 3C 26.2.1.3; KVM
/// <c>nested_check_vm_entry_controls</c> in <c>arch/x86/kvm/vmx/nested.c</c> checks the same list in the same order),
/// then the guest-state checks that involve the injected event (26.3.1.4 RFLAGS.IF, 26.3.1.5 interruptibility; Bochs
/// <c>VMenterLoadCheckGuestState</c>). Section numbers follow the 2016-2021 SDM editions (Vol. 3C chapter 26 "VM
/// Entries"; chapter 27 in 2022+ editions).
/// </summary>
/// <remarks>
/// Assumptions: the processor supports the monitor trap flag (so type 7 is not reserved), IA32_VMX_MISC[30] = 0 (a
/// zero instruction length is not allowed), IA32_VMX_BASIC[56] = 0 (the error-code vector list is enforced). Whether
/// STI blocking prevents NMI injection is model-specific (26.3.1.5: "a processor may require bit 0 ... to be 0");
/// this model, like Bochs, requires it.
/// </remarks>
public static class VmEntryInjection
{
    /// <summary>
    /// Hardware exceptions that push an error code in protected mode: #DF 8, #TS 10, #NP 11, #SS 12, #GP 13, #PF 14,
    /// #AC 17, #CP 21 (KVM <c>x86_exception_has_error_code</c>, SDM 26.2.1.3; #CP with CET).
    /// </summary>
    public const uint ErrorCodeVectorMask =
        (1u << 8) | (1u << 10) | (1u << 11) | (1u << 12) | (1u << 13) | (1u << 14) | (1u << 17) | (1u << 21);

    /// <summary>Bits of the VM-entry exception error code that must be 0 when an error code is delivered (31:16).</summary>
    public const uint ErrorCodeReservedMask = 0xFFFF0000;

    /// <summary>Largest legal VM-entry instruction length for types 4, 5 and 6.</summary>
    public const int MaxInstructionLength = 15;

    /// <summary>Whether hardware exception <paramref name="vector"/> delivers an error code in protected mode.</summary>
    public static bool ExceptionHasErrorCode(int vector) => (uint)vector < 32 && (ErrorCodeVectorMask & (1u << vector)) != 0;

    /// <summary>
    /// Checks an event to be injected by VM entry. Returns <see cref="VmEntryCheck.Ok"/> when the valid bit is clear.
    /// </summary>
    /// <param name="info">The VM-entry interruption-information field.</param>
    /// <param name="errorCode">The VM-entry exception error code (used only when bit 11 is set).</param>
    /// <param name="instructionLength">The VM-entry instruction length (used only for types 4, 5, 6).</param>
    /// <param name="guest">Guest RFLAGS.IF and interruptibility state.</param>
    /// <param name="virtualNmis">The "virtual NMIs" pin-based control.</param>
    /// <param name="guestProtectedMode">
    /// False only for an unrestricted guest with CR0.PE = 0 (real mode), where no exception may deliver an error code.
    /// </param>
    public static VmEntryCheck Check(InterruptionInfo info, uint errorCode, int instructionLength,
        in GuestInterruptibility guest, bool virtualNmis, bool guestProtectedMode = true)
    {
        if (!info.Valid)
        {
            return VmEntryCheck.Ok;
        }

        var type = info.Type;
        var vector = info.Vector;

        // 26.2.1.3, interruption type.
        if (type == EventType.Reserved)
        {
            return VmEntryCheck.ReservedType;
        }

        // 26.2.1.3, vector consistent with type.
        if (type == EventType.Nmi && vector != 2)
        {
            return VmEntryCheck.NmiVectorNot2;
        }

        if (type == EventType.HardwareException && vector > 31)
        {
            return VmEntryCheck.ExceptionVectorAbove31;
        }

        if (type == EventType.Other && vector != 0)
        {
            return VmEntryCheck.OtherVectorNotZero;
        }

        // 26.2.1.3, deliver-error-code iff protected-mode hardware exception with an error code.
        var shouldHaveErrorCode = type == EventType.HardwareException && guestProtectedMode &&
            ExceptionHasErrorCode(vector);
        if (info.ErrorCodeValid != shouldHaveErrorCode)
        {
            return info.ErrorCodeValid ? VmEntryCheck.ErrorCodeNotAllowed : VmEntryCheck.ErrorCodeRequired;
        }

        // 26.2.1.3, error code bits 31:16.
        if (info.ErrorCodeValid && (errorCode & ErrorCodeReservedMask) != 0)
        {
            return VmEntryCheck.ErrorCodeReservedBits;
        }

        // 26.2.1.3, reserved bits 30:12.
        if ((info.Raw & InterruptionInfo.EntryReservedMask) != 0)
        {
            return VmEntryCheck.ReservedBitsSet;
        }

        // 26.2.1.3, instruction length for software events.
        if (type is EventType.SoftwareInterrupt or EventType.PrivilegedSoftwareException
                or EventType.SoftwareException
            && (instructionLength < 1 || instructionLength > MaxInstructionLength))
        {
            return VmEntryCheck.InstructionLengthInvalid;
        }

        if (type == EventType.ExternalInterrupt)
        {
            // 26.3.1.4: RFLAGS.IF must be 1.
            if (!guest.If)
            {
                return VmEntryCheck.InterruptWhileIfClear;
            }

            // 26.3.1.5: no blocking by STI or MOV SS.
            if (guest.BlockingBySti || guest.BlockingByMovSs)
            {
                return VmEntryCheck.InterruptInShadow;
            }
        }

        if (type == EventType.Nmi)
        {
            // 26.3.1.5: no blocking by MOV SS; STI is model-specific (Bochs refuses it too).
            if (guest.BlockingByMovSs || guest.BlockingBySti)
            {
                return VmEntryCheck.NmiInShadow;
            }

            // 26.3.1.5: no virtual-NMI blocking when virtual NMIs = 1.
            if (virtualNmis && guest.BlockingByNmi)
            {
                return VmEntryCheck.NmiWhileVirtualNmiBlocked;
            }
        }

        return VmEntryCheck.Ok;
    }

    /// <summary>
    /// True for failures of control-field checks (26.2.1.1, 26.2.1.3), which make VMLAUNCH/VMRESUME fail with
    /// VMfailValid and VM-instruction error 7 ("VM entry with invalid control field(s)", 30.4); false for
    /// <see cref="VmEntryCheck.Ok"/> and for guest-state failures (26.3.1), which load host state and report a VM exit
    /// with basic reason 33 (<see cref="VmExitReasons.InvalidState"/>) and bit 31 set (26.8).
    /// </summary>
    public static bool IsVmFail(VmEntryCheck check) => check switch
    {
        VmEntryCheck.Ok => false,
        VmEntryCheck.InterruptWhileIfClear or VmEntryCheck.InterruptInShadow or VmEntryCheck.NmiInShadow
            or VmEntryCheck.NmiWhileVirtualNmiBlocked => false,
        _ => true,
    };

    /// <summary>VM-instruction error number for a VMfail result (7), or 0 when <paramref name="check"/> is not a VMfail.</summary>
    public static int VmInstructionError(VmEntryCheck check) => IsVmFail(check) ? 7 : 0;

    /// <summary>One sentence describing the result and the SDM section that requires it.</summary>
    public static string Describe(VmEntryCheck check) => check switch
    {
        VmEntryCheck.Ok => "VM entry checks passed",
        VmEntryCheck.ReservedType =>
            "VM entry failed: interruption type 1 is reserved in the VM-entry interruption-information field (SDM 26.2.1.3)",
        VmEntryCheck.NmiVectorNot2 => "VM entry failed: injected NMI must use vector 2 (SDM 26.2.1.3)",
        VmEntryCheck.ExceptionVectorAbove31 =>
            "VM entry failed: injected hardware exception must use a vector of at most 31 (SDM 26.2.1.3)",
        VmEntryCheck.ErrorCodeRequired =>
            "VM entry failed: injected hardware exception 8, 10-14, 17 or 21 in protected mode must deliver an error code (SDM 26.2.1.3)",
        VmEntryCheck.ErrorCodeNotAllowed =>
            "VM entry failed: deliver-error-code is set for an event that does not push an error code (SDM 26.2.1.3)",
        VmEntryCheck.ErrorCodeReservedBits =>
            "VM entry failed: bits 31:16 of the VM-entry exception error code must be 0 (SDM 26.2.1.3)",
        VmEntryCheck.ReservedBitsSet =>
            "VM entry failed: reserved bits 30:12 of the VM-entry interruption-information field must be 0 (SDM 26.2.1.3)",
        VmEntryCheck.OtherVectorNotZero =>
            "VM entry failed: injected event of type 7 (other event) must use vector 0, pending MTF (SDM 26.2.1.3)",
        VmEntryCheck.InstructionLengthInvalid =>
            "VM entry failed: software interrupt or exception injection needs a VM-entry instruction length of 1-15 (SDM 26.2.1.3)",
        VmEntryCheck.InterruptWhileIfClear =>
            "VM entry failed (invalid guest state): injected external interrupt requires guest RFLAGS.IF = 1 (SDM 26.3.1.4)",
        VmEntryCheck.InterruptInShadow =>
            "VM entry failed (invalid guest state): injected external interrupt requires no blocking by STI or MOV SS (SDM 26.3.1.5)",
        VmEntryCheck.NmiInShadow =>
            "VM entry failed (invalid guest state): injected NMI requires no blocking by MOV SS or STI (SDM 26.3.1.5)",
        VmEntryCheck.NmiWhileVirtualNmiBlocked =>
            "VM entry failed (invalid guest state): injected NMI requires no virtual-NMI blocking when virtual NMIs = 1 (SDM 26.3.1.5)",
        VmEntryCheck.VirtualNmisWithoutNmiExiting =>
            "VM entry failed: the virtual-NMIs control requires NMI exiting (SDM 26.2.1.1)",
        VmEntryCheck.NmiWindowWithoutVirtualNmis =>
            "VM entry failed: NMI-window exiting requires the virtual-NMIs control (SDM 26.2.1.1)",
        VmEntryCheck.VirtualInterruptDeliveryWithoutExternalInterruptExiting =>
            "VM entry failed: virtual-interrupt delivery requires external-interrupt exiting (SDM 26.2.1.1)",
        VmEntryCheck.PostedInterruptsWithoutVirtualInterruptDelivery =>
            "VM entry failed: process posted interrupts requires virtual-interrupt delivery (SDM 26.2.1.1)",
        VmEntryCheck.PostedInterruptsWithoutAcknowledgeOnExit =>
            "VM entry failed: process posted interrupts requires the acknowledge-interrupt-on-exit VM-exit control (SDM 26.2.1.1)",
        _ => throw new ArgumentOutOfRangeException(nameof(check), check, "unknown VmEntryCheck"),
    };
}
