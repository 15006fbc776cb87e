using IrqLab.Virtualization;
using Xunit;

namespace IrqLab.Tests.Virtualization;

/// <summary>IDT-vectoring information (SDM Vol. 3C 24.9.3, 27.2.3) and its re-injection by KVM __vmx_complete_interrupts
/// (arch/x86/kvm/vmx/vmx.c).</summary>
public sealed class IdtVectoringInfoTests
{
    [Theory]
    // recorded raw, error code, instruction length, reinjected?, expected entry raw, expected error code, expected length
    [InlineData(0x80000030u, 0u, 0, true, 0x80000030u, 0u, 0)]           // ext int -> kvm_queue_interrupt(soft=false)
    [InlineData(0x80001202u, 0u, 0, true, 0x80000202u, 0u, 0)]           // NMI -> nmi_injected; undefined bit 12 dropped
    [InlineData(0x80000B0Eu, 0x6u, 0, true, 0x80000B0Eu, 0x6u, 0)]       // #PF + error code -> kvm_requeue_exception_e
    [InlineData(0x80000306u, 0xFFu, 3, true, 0x80000306u, 0u, 0)]        // #UD, no error code, length not used
    [InlineData(0x80000603u, 0u, 1, true, 0x80000603u, 0u, 1)]           // INT3: event_exit_inst_len kept
    [InlineData(0x80000480u, 0u, 2, true, 0x80000480u, 0u, 2)]           // INT 0x80 -> kvm_queue_interrupt(soft=true)
    [InlineData(0x80000501u, 0u, 1, false, 0u, 0u, 0)]                   // ICEBP: no case in the switch
    [InlineData(0x80000700u, 0u, 0, false, 0u, 0u, 0)]                   // type 7: default: break
    [InlineData(0x80000130u, 0u, 0, false, 0u, 0u, 0)]                   // type 1 reserved
    [InlineData(0x00000B0Eu, 0x6u, 0, false, 0u, 0u, 0)]                 // valid bit clear: nothing to re-inject
    public void Reinjection_follows_vmx_complete_interrupts(uint raw, uint errorCode, int length, bool reinjected,
        uint entryRaw, uint entryError, int entryLength)
    {
        var idt = new IdtVectoringInfo();
        idt.Record(new InterruptionInfo(raw), errorCode, length);
        Assert.Equal(raw, idt.Info.Raw);
        Assert.Equal(reinjected, idt.TryTakeForReinjection(out var info, out var err, out var len));
        Assert.Equal(entryRaw, info.Raw);
        Assert.Equal(entryError, err);
        Assert.Equal(entryLength, len);
        Assert.False(idt.Info.Valid);             // taken: the record is cleared
        Assert.False(idt.TryTakeForReinjection(out _, out _));
    }

    [Fact]
    public void Reinjected_event_passes_the_entry_checks_SDM_26_2_1_3()
    {
        var idt = new IdtVectoringInfo();
        idt.Record(new InterruptionInfo(0x80001B0D), 0x18);  // #GP with undefined bit 12 set
        Assert.True(idt.TryTakeForReinjection(out var info, out var err));
        var guest = new GuestInterruptibility(false, false, false, false);
        Assert.Equal(VmEntryCheck.Ok, VmEntryInjection.Check(info, err, 0, in guest, virtualNmis: true));
    }
}
