using IrqLab.Virtualization;
using Xunit;

namespace IrqLab.Tests.Virtualization;

/// <summary>
/// VM-entry event-injection checks: control fields SDM Vol. 3C 26.2.1.3 (KVM nested_check_vm_entry_controls,
/// arch/x86/kvm/vmx/nested.c), guest state 26.3.1.4 (RFLAGS.IF) and 26.3.1.5 (interruptibility; Bochs
/// VMenterLoadCheckGuestState). Guest flags: "if", "sti", "movss", "nmi" joined by '+', "-" for none.
/// </summary>
public sealed class VmEntryInjectionTests
{
    private static GuestInterruptibility Guest(string flags)
    {
        var parts = flags.Split('+');
        return new GuestInterruptibility(parts.Contains("if"), parts.Contains("sti"), parts.Contains("movss"),
            parts.Contains("nmi"));
    }

    private static VmEntryCheck Run(string type, int vector, bool ec, uint errorCode, uint extraBits, int length,
        string guest, bool virtualNmis, bool protectedMode)
    {
        Assert.True(InterruptionInfo.TryParseTypeName(type, out var t));
        var info = new InterruptionInfo(InterruptionInfo.Create(t, vector, ec).Raw | extraBits);
        var g = Guest(guest);
        return VmEntryInjection.Check(info, errorCode, length, in g, virtualNmis, protectedMode);
    }

    [Theory]
    // Legal injections (26.2.1.3 / 26.3.1.x satisfied).
    [InlineData("ext_int", 0x30, false, 0u, 0, "if", true)]              // external interrupt, IF=1, no shadow
    [InlineData("ext_int", 0xEC, false, 0u, 0, "if+nmi", true)]          // NMI blocking does not matter for INTR
    [InlineData("nmi", 2, false, 0u, 0, "-", true)]                       // NMI vector 2, IF irrelevant
    [InlineData("nmi", 2, false, 0u, 0, "nmi", false)]                     // blocking by NMI without virtual NMIs: SDM NOTE, no requirement
    [InlineData("hw_exc", 14, true, 0x0002u, 0, "-", true)]              // #PF with error code
    [InlineData("hw_exc", 13, true, 0x9F00u, 0, "-", true)]              // #GP error code 0x9f00: bits 15:0 allowed (KVM commit "GENMASK(31, 16)")
    [InlineData("hw_exc", 6, false, 0u, 0, "-", true)]                   // #UD, no error code
    [InlineData("hw_exc", 31, false, 0u, 0, "-", true)]                  // highest exception vector
    [InlineData("hw_exc", 18, false, 0u, 0, "sti+if", true)]             // exceptions ignore the shadow
    [InlineData("sw_int", 0x80, false, 0u, 2, "-", true)]                // INT 0x80, length 2
    [InlineData("sw_exc", 3, false, 0u, 1, "-", true)]                   // INT3, length 1
    [InlineData("priv_sw_exc", 1, false, 0u, 1, "-", true)]              // ICEBP, length 1
    [InlineData("sw_int", 0x21, false, 0u, 15, "-", true)]               // maximum length 15
    [InlineData("other", 0, false, 0u, 0, "-", true)]                    // pending MTF
    public void Legal_injection_passes_SDM_26_2_1_3(string type, int vector, bool ec, uint errorCode, int length, string guest,
        bool virtualNmis)
    {
        Assert.Equal(VmEntryCheck.Ok, Run(type, vector, ec, errorCode, 0, length, guest, virtualNmis, protectedMode: true));
    }

    [Fact]
    public void Invalid_field_is_not_checked_SDM_26_2_1_3_applies_only_if_valid()
    {
        var g = new GuestInterruptibility(false, true, true, true);
        Assert.Equal(VmEntryCheck.Ok, VmEntryInjection.Check(new InterruptionInfo(0x7FFFFFFF), 0xFFFFFFFF, 0, in g, true));
    }

    [Theory]
    // One row per rule: type, vector, ec, error code, extra raw bits, length, guest, virtual NMIs, protected mode, expected.
    [InlineData("reserved", 0x30, false, 0u, 0u, 0, "if", false, true, VmEntryCheck.ReservedType)]              // 26.2.1.3 type 1 reserved
    [InlineData("nmi", 3, false, 0u, 0u, 0, "-", false, true, VmEntryCheck.NmiVectorNot2)]                      // 26.2.1.3 NMI vector 2
    [InlineData("hw_exc", 32, false, 0u, 0u, 0, "-", false, true, VmEntryCheck.ExceptionVectorAbove31)]         // 26.2.1.3 exception <= 31
    [InlineData("hw_exc", 255, false, 0u, 0u, 0, "-", false, true, VmEntryCheck.ExceptionVectorAbove31)]
    [InlineData("other", 1, false, 0u, 0u, 0, "-", false, true, VmEntryCheck.OtherVectorNotZero)]               // 26.2.1.3 type 7 vector 0
    [InlineData("hw_exc", 6, true, 0u, 0u, 0, "-", false, true, VmEntryCheck.ErrorCodeNotAllowed)]              // 26.2.1.3 #UD has no error code
    [InlineData("hw_exc", 3, true, 0u, 0u, 0, "-", false, true, VmEntryCheck.ErrorCodeNotAllowed)]              // #BP
    [InlineData("ext_int", 0x30, true, 0u, 0u, 0, "if", false, true, VmEntryCheck.ErrorCodeNotAllowed)]         // only type 3 may deliver a code
    [InlineData("nmi", 2, true, 0u, 0u, 0, "-", false, true, VmEntryCheck.ErrorCodeNotAllowed)]
    [InlineData("sw_int", 13, true, 0u, 0u, 2, "-", false, true, VmEntryCheck.ErrorCodeNotAllowed)]             // INT 13 is not #GP
    [InlineData("hw_exc", 13, true, 0u, 0u, 0, "-", false, false, VmEntryCheck.ErrorCodeNotAllowed)]            // real mode (unrestricted guest, CR0.PE=0)
    [InlineData("hw_exc", 13, true, 0x10000u, 0u, 0, "-", false, true, VmEntryCheck.ErrorCodeReservedBits)]     // 26.2.1.3 error code bits 31:16
    [InlineData("hw_exc", 14, true, 0x80000000u, 0u, 0, "-", false, true, VmEntryCheck.ErrorCodeReservedBits)]
    [InlineData("ext_int", 0x30, false, 0u, 0x1000u, 0, "if", false, true, VmEntryCheck.ReservedBitsSet)]       // 26.2.1.3 bit 12 reserved on entry
    [InlineData("ext_int", 0x30, false, 0u, 0x2000u, 0, "if", false, true, VmEntryCheck.ReservedBitsSet)]       // bit 13
    [InlineData("ext_int", 0x30, false, 0u, 0x40000000u, 0, "if", false, true, VmEntryCheck.ReservedBitsSet)]   // bit 30
    [InlineData("sw_int", 0x80, false, 0u, 0u, 0, "-", false, true, VmEntryCheck.InstructionLengthInvalid)]     // 26.2.1.3 length 0 (IA32_VMX_MISC[30]=0)
    [InlineData("sw_int", 0x80, false, 0u, 0u, 16, "-", false, true, VmEntryCheck.InstructionLengthInvalid)]    // length 16
    [InlineData("sw_exc", 3, false, 0u, 0u, 0, "-", false, true, VmEntryCheck.InstructionLengthInvalid)]        // type 6
    [InlineData("priv_sw_exc", 1, false, 0u, 0u, 16, "-", false, true, VmEntryCheck.InstructionLengthInvalid)]  // type 5
    [InlineData("ext_int", 0x30, false, 0u, 0u, 0, "-", false, true, VmEntryCheck.InterruptWhileIfClear)]       // 26.3.1.4 IF must be 1
    [InlineData("ext_int", 0x30, false, 0u, 0u, 0, "if+sti", false, true, VmEntryCheck.InterruptInShadow)]      // 26.3.1.5 STI blocking
    [InlineData("ext_int", 0x30, false, 0u, 0u, 0, "if+movss", false, true, VmEntryCheck.InterruptInShadow)]    // 26.3.1.5 MOV-SS blocking
    [InlineData("nmi", 2, false, 0u, 0u, 0, "movss", false, true, VmEntryCheck.NmiInShadow)]                    // 26.3.1.5 MOV-SS blocks NMI injection
    [InlineData("nmi", 2, false, 0u, 0u, 0, "if+sti", false, true, VmEntryCheck.NmiInShadow)]                  // 26.3.1.5 model-specific; Bochs refuses
    [InlineData("nmi", 2, false, 0u, 0u, 0, "nmi", true, true, VmEntryCheck.NmiWhileVirtualNmiBlocked)]        // 26.3.1.5 virtual-NMI blocking
    // Control-field checks come before guest-state checks (26.2 before 26.3).
    [InlineData("ext_int", 0x30, true, 0u, 0u, 0, "-", false, true, VmEntryCheck.ErrorCodeNotAllowed)]
    [InlineData("nmi", 3, false, 0u, 0u, 0, "nmi+movss", true, true, VmEntryCheck.NmiVectorNot2)]
    public void Each_invalid_injection_yields_its_check(string type, int vector, bool ec, uint errorCode, uint extra,
        int length, string guest, bool virtualNmis, bool protectedMode, VmEntryCheck expected)
    {
        Assert.Equal(expected, Run(type, vector, ec, errorCode, extra, length, guest, virtualNmis, protectedMode));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(10)]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(14)]
    [InlineData(17)]
    [InlineData(21)]
    public void Error_code_vectors_require_deliver_error_code_in_protected_mode_SDM_26_2_1_3(int vector)
    {
        Assert.Equal(VmEntryCheck.ErrorCodeRequired, Run("hw_exc", vector, false, 0, 0, 0, "-", false, true));
        Assert.Equal(VmEntryCheck.Ok, Run("hw_exc", vector, true, 0, 0, 0, "-", false, true));
        Assert.Equal(VmEntryCheck.Ok, Run("hw_exc", vector, false, 0, 0, 0, "-", false, protectedMode: false));
        Assert.True(VmEntryInjection.ExceptionHasErrorCode(vector));
    }

    [Fact]
    public void Exactly_the_listed_vectors_have_error_codes_kvm_x86_exception_has_error_code()
    {
        int[] listed = [8, 10, 11, 12, 13, 14, 17, 21];
        for (var v = 0; v < 32; v++)
        {
            Assert.Equal(listed.Contains(v), VmEntryInjection.ExceptionHasErrorCode(v));
        }

        Assert.False(VmEntryInjection.ExceptionHasErrorCode(32));
        Assert.False(VmEntryInjection.ExceptionHasErrorCode(-1));
    }

    [Theory]
    [InlineData(VmEntryCheck.Ok, false)]
    [InlineData(VmEntryCheck.ReservedType, true)]               // 26.2.1.3 -> VMfailValid, VM-instruction error 7
    [InlineData(VmEntryCheck.NmiVectorNot2, true)]
    [InlineData(VmEntryCheck.ExceptionVectorAbove31, true)]
    [InlineData(VmEntryCheck.ErrorCodeRequired, true)]
    [InlineData(VmEntryCheck.ErrorCodeNotAllowed, true)]
    [InlineData(VmEntryCheck.ErrorCodeReservedBits, true)]
    [InlineData(VmEntryCheck.ReservedBitsSet, true)]
    [InlineData(VmEntryCheck.OtherVectorNotZero, true)]
    [InlineData(VmEntryCheck.InstructionLengthInvalid, true)]
    [InlineData(VmEntryCheck.InterruptWhileIfClear, false)]     // 26.3.1 -> VM-entry failure, exit reason 33
    [InlineData(VmEntryCheck.InterruptInShadow, false)]
    [InlineData(VmEntryCheck.NmiInShadow, false)]
    [InlineData(VmEntryCheck.NmiWhileVirtualNmiBlocked, false)]
    [InlineData(VmEntryCheck.VirtualNmisWithoutNmiExiting, true)]  // 26.2.1.1 controls
    [InlineData(VmEntryCheck.NmiWindowWithoutVirtualNmis, true)]
    [InlineData(VmEntryCheck.VirtualInterruptDeliveryWithoutExternalInterruptExiting, true)]
    [InlineData(VmEntryCheck.PostedInterruptsWithoutVirtualInterruptDelivery, true)]
    [InlineData(VmEntryCheck.PostedInterruptsWithoutAcknowledgeOnExit, true)]
    public void Control_failures_are_VMfail_guest_state_failures_are_exit_33_SDM_26_1_26_2_26_3(VmEntryCheck check, bool vmFail)
    {
        Assert.Equal(vmFail, VmEntryInjection.IsVmFail(check));
        Assert.Equal(vmFail ? 7 : 0, VmEntryInjection.VmInstructionError(check));
    }

    [Fact]
    public void Every_check_has_a_sentence_citing_the_SDM()
    {
        foreach (var check in Enum.GetValues<VmEntryCheck>())
        {
            var text = VmEntryInjection.Describe(check);
            if (check == VmEntryCheck.Ok)
            {
                Assert.DoesNotContain("failed", text, StringComparison.Ordinal);
                continue;
            }

            Assert.StartsWith("VM entry failed", text, StringComparison.Ordinal);
            Assert.Matches(@"\(SDM 26\.\d\.1\.\d\)$", text);
        }

        Assert.Equal("VM entry failed: injected NMI must use vector 2 (SDM 26.2.1.3)",
            VmEntryInjection.Describe(VmEntryCheck.NmiVectorNot2));
    }
}
