using IrqLab.Simulation.Output;
using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// A guest handler's <c>read</c>, <c>write</c> and <c>ipi</c> actions reach its own local APIC (SCENARIOS.md §9: guest
/// handlers take the actions of §6). With APICv the virtual-APIC page answers (SDM Vol. 3C 30.1 "Virtual APIC State",
/// 30.4.2 and 30.5 for which accesses are virtualized); without it KVM emulates each access after an exit. The guest's
/// APIC ID is its vCPU index.
/// </summary>
public sealed class GuestApicAccessTests
{
    private const string Template = """
        irqlab: 1
        name: guest-apic
        kernel: {version: "6.10"}
        machine: {cpus: 3, apic: MODE}
        vms:
          - name: g0
            vcpus: [{cpu: 1}, {cpu: 2}]
            apicv: APICV
            posted_interrupts: APICV
            handlers:
              - vector: 0x40
                do: [DO]
              - {vector: 0x45, do: [eoi]}
              - {vector: 0x61, do: [{read: {reg: apic.id, as: id61}}, eoi]}
              - {vector: 0x65, do: [eoi]}
              - {vector: 2, do: [{read: {reg: apic.id, as: nmi_id}}]}
        steps:
          - {vm: {op: enter, vm: g0, vcpu: 0}}
          - {vm: {op: enter, vm: g0, vcpu: 1}}
          - {vm: {op: post, vm: g0, vcpu: 1, vector: 0x40}}
          - {advance: 10us}
        """;

    private static RunResult Run(string mode, bool apicv, string actions)
    {
        var r = Sim.Run(Template.Replace("MODE", mode, StringComparison.Ordinal)
            .Replace("APICV", apicv ? "true" : "false", StringComparison.Ordinal)
            .Replace("DO", actions, StringComparison.Ordinal));
        Assert.Null(Sim.Unconserved(r));
        Assert.DoesNotContain(r.Messages, m => m.Text.StartsWith("irqlab: guest action", StringComparison.Ordinal));
        return r;
    }

    /// <summary>The exits of the handler's own vCPU after the posted 0x40 started it (the kick before it, without APICv, left out).</summary>
    private static string[] HandlerExits(RunResult r) =>
        r.VmExits.Where(x => x.Vcpu == 1 && x.Reason != "EXTERNAL_INTERRUPT").Select(x => x.Reason).ToArray();

    /// <summary>
    /// What a guest reads of its APIC: VISR, VIRR, VTPR, VPPR (SDM 30.1.1) and its APIC ID (xAPIC bits 31:24, x2APIC the
    /// whole register; SDM Vol. 3A §11.4.6, §11.12.5.1), in both APIC modes, with and without APICv.
    /// </summary>
    [Theory]
    [InlineData("xapic", true)]
    [InlineData("xapic", false)]
    [InlineData("x2apic", true)]
    [InlineData("x2apic", false)]
    public void A_guest_reads_its_own_virtual_apic_SDM_30_1_1(string mode, bool apicv)
    {
        var r = Run(mode, apicv, "{read: {reg: apic.isr, as: isr}}, {read: {reg: apic.irr, as: irr}}, {read: {reg: apic.tpr, as: tpr}}, " +
            "{read: {reg: apic.ppr, as: ppr}}, {read: {reg: apic.id, as: id}}, eoi");

        Assert.Equal([0x40], Sim.Read(r, "isr").List!);
        Assert.Empty(Sim.Read(r, "irr").List!);
        Assert.Equal(0UL, Sim.Read(r, "tpr").Scalar);
        Assert.Equal(0x40UL, Sim.Read(r, "ppr").Scalar);
        Assert.Equal(mode == "x2apic" ? 1UL : 1UL << 24, Sim.Read(r, "id").Scalar);
    }

    /// <summary>
    /// The raw forms reach the same guest registers as the names (SCENARIOS.md §7: <c>read</c> takes the same targets as
    /// <c>write</c>): in xAPIC mode the APIC page at 0xFEE00000 (SDM Vol. 3A Table 11-1 offsets; ISR word 2 at 120H holds
    /// vectors 0x40-0x5F), in x2APIC mode MSR 800H + offset / 10H (Table 11-6). The ID reads as each mode formats it.
    /// </summary>
    [Theory]
    [InlineData("xapic", "{read: {mmio: 0xFEE00120, as: isr2}}, {read: {mmio: 0xFEE00080, as: tpr}}, {read: {mmio: 0xFEE000A0, as: ppr}}, {read: {mmio: 0xFEE00020, as: id}}")]
    [InlineData("x2apic", "{read: {msr: 0x812, as: isr2}}, {read: {msr: 0x808, as: tpr}}, {read: {msr: 0x80A, as: ppr}}, {read: {msr: 0x802, as: id}}")]
    public void Raw_guest_apic_reads_match_the_named_ones_SDM_table_11_1_and_11_6(string mode, string raw)
    {
        var r = Run(mode, apicv: true, "{write: {reg: apic.tpr, value: 0x30}}, {read: {reg: apic.isr, as: isr}}, {read: {reg: apic.tpr, as: named_tpr}}, " +
            "{read: {reg: apic.ppr, as: named_ppr}}, {read: {reg: apic.id, as: named_id}}, " + raw + ", eoi");

        var isr = Sim.Read(r, "isr").List!;
        var word2 = isr.Where(v => v is >= 0x40 and < 0x60).Aggregate(0UL, (w, v) => w | (1UL << (v - 0x40)));
        Assert.Equal(word2, Sim.Read(r, "isr2").Scalar);
        Assert.Equal(Sim.Read(r, "named_tpr").Scalar, Sim.Read(r, "tpr").Scalar);
        Assert.Equal(Sim.Read(r, "named_ppr").Scalar, Sim.Read(r, "ppr").Scalar);
        Assert.Equal(Sim.Read(r, "named_id").Scalar, Sim.Read(r, "id").Scalar);
        Assert.Equal(1UL, word2);
        Assert.Equal(0x40UL, Sim.Read(r, "ppr").Scalar);
    }

    /// <summary>
    /// Which guest APIC accesses exit. With APICv: an xAPIC read of the PPR is not among the offsets APIC-register
    /// virtualization serves (SDM 30.4.2: "In all other cases, the access causes an APIC-access VM exit"); every x2APIC
    /// read of 800H-8FFH passes (KVM's <c>vmx_update_msr_bitmap_x2apic()</c> intercepts only TMCCT), as do TPR and EOI
    /// writes (30.4.3.2, 30.5). Without APICv the model's KVM emulates every access: APIC_ACCESS for xAPIC MMIO,
    /// MSR_READ / MSR_WRITE for x2APIC RDMSR / WRMSR.
    /// </summary>
    [Theory]
    [InlineData("xapic", true, "APIC_ACCESS")]
    [InlineData("xapic", false, "APIC_ACCESS,APIC_ACCESS,APIC_ACCESS,APIC_ACCESS,APIC_ACCESS")]
    [InlineData("x2apic", true, "")]
    [InlineData("x2apic", false, "MSR_READ,MSR_READ,MSR_READ,MSR_WRITE,MSR_WRITE")]
    public void Guest_apic_accesses_exit_as_apic_virtualization_leaves_them_SDM_30_4_and_30_5(string mode, bool apicv, string exits)
    {
        var r = Run(mode, apicv, "{read: {reg: apic.isr, as: isr}}, {read: {reg: apic.ppr, as: ppr}}, {read: {reg: apic.tpr, as: tpr}}, " +
            "{write: {reg: apic.tpr, value: 0}}, eoi");

        Assert.Equal(exits.Split(',', StringSplitOptions.RemoveEmptyEntries), HandlerExits(r));
    }

    /// <summary>
    /// TPR virtualization (SDM 30.1.2): a TPR write updates VPPR = max(VTPR, SVI &amp; F0H) (30.1.3), and a virtual
    /// interrupt is recognised only when RVI[7:4] &gt; VPPR[7:4] (30.2.1). Inside the 0x40 handler with IF set, a TPR of
    /// 0x70 holds the self-IPI 0x65 pending; lowering the TPR to 0 lets it nest at once. Without APICv KVM's emulated APIC
    /// gives the same order (<c>apic_update_ppr()</c>, then the injection on re-entry).
    /// </summary>
    [Theory]
    [InlineData("xapic", true)]
    [InlineData("xapic", false)]
    [InlineData("x2apic", true)]
    [InlineData("x2apic", false)]
    public void A_guest_tpr_write_holds_and_releases_a_virtual_interrupt_SDM_30_1_2(string mode, bool apicv)
    {
        var r = Run(mode, apicv, "sti, {write: {reg: apic.tpr, value: 0x70}}, {ipi: {to: self, vector: 0x65}}, {read: {reg: apic.ppr, as: held}}, " +
            "{advance: 1us}, {write: {reg: apic.tpr, value: 0}}, {advance: 1us}, eoi");

        Assert.Equal(0x70UL, Sim.Read(r, "held").Scalar);
        var guest = r.Dispatch.Where(d => d.Vcpu == 1).ToList();
        Assert.Equal([0x40, 0x65], guest.Select(d => d.Vector));
        Assert.Equal(1000L, guest[1].TimeNs);
        Assert.Equal(guest[0].Depth + 1, guest[1].Depth);
    }

    /// <summary>
    /// A fixed IPI to another vCPU of the VM (destination = its APIC ID, the vCPU index): the ICR write exits (xAPIC with
    /// APICv: an APIC-write VM exit, SDM 30.4.3.2-3, the ICR being virtualized only for a self-IPI; xAPIC without APICv:
    /// APIC_ACCESS; x2APIC: MSR_WRITE, KVM intercepting the ICR), and KVM's <c>kvm_apic_send_ipi()</c> delivers it to
    /// vCPU 0, by posted interrupt with APICv (no exit there) or into its IRR with a kick (a reschedule IPI's exit).
    /// </summary>
    [Theory]
    [InlineData("xapic", true, "{ipi: {to: 0, vector: 0x61}}", "APIC_WRITE")]
    [InlineData("xapic", false, "{ipi: {to: 0, vector: 0x61}}", "APIC_ACCESS")]
    [InlineData("x2apic", true, "{ipi: {to: 0, vector: 0x61}}", "MSR_WRITE")]
    [InlineData("x2apic", false, "{ipi: {to: 0, vector: 0x61}}", "MSR_WRITE")]
    [InlineData("xapic", true, "{write: {reg: apic.icr, value: 0x0000000000000061}}", "APIC_WRITE")]
    [InlineData("xapic", true, "{write: {mmio: 0xFEE00310, value: 0}}, {write: {mmio: 0xFEE00300, value: 0x61}}", "APIC_WRITE")]
    [InlineData("x2apic", true, "{write: {msr: 0x830, value: 0x61}}", "MSR_WRITE")]
    [InlineData("x2apic", false, "{write: {reg: apic.icr, value: 0x0000000000000061}}", "MSR_WRITE")]
    [InlineData("xapic", true, "{ipi: {to: all-but-self, vector: 0x61}}", "APIC_WRITE")]
    public void A_guest_ipi_reaches_the_other_vcpu_through_kvm_apic_send_ipi(string mode, bool apicv, string send, string exit)
    {
        var r = Run(mode, apicv, send + ", eoi");

        Assert.Equal(exit, HandlerExits(r)[0]);
        var taken = Assert.Single(r.Dispatch, d => d.Vector == 0x61);
        Assert.Equal(("g0", 0, 1), (taken.Vm, taken.Vcpu, taken.Cpu));
        Assert.Equal(0UL, Sim.Read(r, "id61").Scalar);
        Assert.Equal(apicv ? 0 : 1, r.VmExits.Count(x => x.Vcpu == 0 && x.Reason == "EXTERNAL_INTERRUPT"));
    }

    /// <summary>
    /// An NMI IPI to another vCPU is KVM's <c>kvm_inject_nmi()</c> on the target (<c>__apic_accept_irq()</c>,
    /// APIC_DM_NMI): its guest's NMI handler (vector 2) runs.
    /// </summary>
    [Fact]
    public void A_guest_nmi_ipi_runs_the_other_vcpus_nmi_handler()
    {
        var r = Run("xapic", true, "{ipi: {to: 0, vector: 0, mode: nmi}}, eoi");

        var nmi = Assert.Single(r.Dispatch, d => d.Vector == 2);
        Assert.Equal(("g0", 0, "nmi"), (nmi.Vm, nmi.Vcpu, nmi.Event));
        Assert.Equal(0UL, Sim.Read(r, "nmi_id").Scalar);
    }

    /// <summary>
    /// What the model does not do inside a VM is said once and ignored (docs/simulation.md, "Guest handlers' actions"):
    /// another CPU's registers, ports and other MSRs, APIC registers the guest model lacks, an x2APIC WRMSR with reserved
    /// bits (#GP in the guest), an explicit sender, logical destinations, an NMI the sender would get itself (KVM queues
    /// it for the vCPU that is in its exit: not modelled), a lowest-priority arbitration among several vCPUs.
    /// </summary>
    [Theory]
    [InlineData("xapic", "{read: {cpu: 0, reg: apic.isr, as: x}}", "read")]
    [InlineData("xapic", "{write: {port: 0x21, value: 0}}", "write")]
    [InlineData("xapic", "{read: {msr: 0x10, as: x}}", "read")]
    [InlineData("xapic", "{read: {reg: apic.lvt.timer, as: x}}", "read")]
    [InlineData("x2apic", "{write: {msr: 0x808, value: 0x100}}", "write")]
    [InlineData("xapic", "{ipi: {from: 1, to: 0, vector: 0x61}}", "ipi")]
    [InlineData("x2apic", "{write: {reg: apic.ldr, value: 1}}", "write")]
    [InlineData("x2apic", "{read: {reg: apic.dfr, as: x}}", "read")]
    [InlineData("xapic", "{ipi: {to: all, vector: 0, mode: nmi}}", "ipi")]
    [InlineData("xapic", "{ipi: {to: {physical: 0xFF}, vector: 0, mode: nmi}}", "ipi")]
    [InlineData("xapic", "{ipi: {to: all, vector: 0x61, mode: lowest}}", "ipi")]
    [InlineData("xapic", "{ipi: {to: 0, vector: 0, mode: init}}", "ipi")]
    public void What_a_guest_handler_cannot_do_is_said_once_and_ignored(string mode, string action, string word)
    {
        var r = Sim.Run(Template.Replace("MODE", mode, StringComparison.Ordinal).Replace("APICV", "true", StringComparison.Ordinal)
            .Replace("DO", action + ", eoi", StringComparison.Ordinal));

        Assert.Null(Sim.Unconserved(r));
        Assert.Single(r.Messages, m => m.Text == $"irqlab: guest action {word} in VM g0's handler for vector 0x40 is not modelled inside a VM; ignored");
        Assert.DoesNotContain(r.Dispatch, d => d.Vector is 0x61 or 2);
        Assert.Empty(HandlerExits(r));
    }

    /// <summary>
    /// An xAPIC ICR-low write with the self shorthand is virtualized (no exit) only when delivery mode is 000, the vector's
    /// bits 7:4 are not 0000B and the reserved bits 31:20, 17:16, 13, delivery status 12 and trigger mode 15 are clear
    /// (SDM Vol. 3C 30.4.3.2, "300H-303H (interrupt command - low)"); any other value causes an APIC-write VM exit, after
    /// which KVM's <c>kvm_apic_send_ipi()</c> still sets the vector in the IRR (<c>__apic_accept_irq()</c> takes lowest
    /// priority as fixed). A lowest-priority or level-triggered self-IPI was virtualized without the exit.
    /// </summary>
    [Theory]
    [InlineData("{write: {mmio: 0xFEE00300, value: 0x40065}}", "")]
    [InlineData("{ipi: {to: self, vector: 0x65}}", "")]
    [InlineData("{ipi: {to: self, vector: 0x65, mode: lowest}}", "APIC_WRITE")]
    [InlineData("{write: {mmio: 0xFEE00300, value: 0x40165}}", "APIC_WRITE")]
    [InlineData("{write: {mmio: 0xFEE00300, value: 0x48065}}", "APIC_WRITE")]
    [InlineData("{write: {mmio: 0xFEE00300, value: 0x140065}}", "APIC_WRITE")]
    public void An_xapic_self_ipi_is_virtualized_only_as_sdm_30_4_3_2_lists_else_an_apic_write_exit(string send, string exits)
    {
        var r = Run("xapic", true, send + ", eoi");

        Assert.Equal(exits.Split(',', StringSplitOptions.RemoveEmptyEntries), HandlerExits(r));
        var taken = Assert.Single(r.Dispatch, d => d.Vector == 0x65);
        Assert.Equal(("g0", 1), (taken.Vm, taken.Vcpu));
    }

    /// <summary>
    /// A WRMSR to the x2APIC SELF IPI register (83FH) is self-IPI virtualization only for a vector of 16 or more; a vector
    /// 0-15 causes an APIC-write VM exit (SDM Vol. 3C 30.5), which KVM completes through <c>kvm_apic_write_nodecode()</c>.
    /// The vector stays pending either way here (a class-0 vector never beats VPPR, 30.2.1).
    /// </summary>
    [Theory]
    [InlineData(0x65, "")]
    [InlineData(0x05, "APIC_WRITE")]
    public void An_x2apic_self_ipi_msr_write_below_vector_16_is_an_apic_write_exit_SDM_30_5(int vector, string exits)
    {
        var r = Run("x2apic", true, $"{{write: {{msr: 0x83F, value: {vector}}}}}, eoi");

        Assert.Equal(exits.Split(',', StringSplitOptions.RemoveEmptyEntries), HandlerExits(r));
        Assert.Equal(vector >= 16 ? 1 : 0, r.Dispatch.Count(d => d.Vector == vector));
    }

    /// <summary>
    /// The named 64-bit <c>apic.icr</c> write of an xAPIC guest writes ICR high too (SDM Vol. 3A §11.6.1: the destination
    /// is in ICR high, which keeps it; an ICR-low write sends with it), so a later MMIO write of ICR low alone sends to the
    /// same vCPU. It went by the ICR high of the last raw 310H write instead (none here: ID 0, vCPU 0).
    /// </summary>
    /// <remarks>
    /// The APIC page takes 32-bit accesses only (SDM Vol. 3A §11.4.1; KVM's <c>apic_mmio_write()</c> ignores any other
    /// length), so the named write is the guest's two writes, 310H then 300H: with APICv the first is virtualized (SDM
    /// Vol. 3C 30.4.3.2: VICR_HI, no exit), without it each traps (<c>APIC_ACCESS</c>, then KVM's emulation), one exit
    /// where the model recorded one for both.
    /// </remarks>
    [Theory]
    [InlineData(true, "APIC_WRITE,APIC_WRITE")]
    [InlineData(false, "APIC_ACCESS,APIC_ACCESS,APIC_ACCESS,APIC_ACCESS,INTERRUPT_WINDOW")]
    public void A_named_icr_write_leaves_the_destination_in_icr_high_SDM_11_6_1(bool apicv, string exits)
    {
        var r = Run("xapic", apicv, "{write: {reg: apic.icr, value: 0x0100000000000061}}, {write: {mmio: 0xFEE00300, value: 0x65}}, eoi");

        var taken = Assert.Single(r.Dispatch, d => d.Vector == 0x65);
        Assert.Equal(("g0", 1), (taken.Vm, taken.Vcpu));
        // The handler's own accesses come first: the named write, the raw ICR-low write, its EOI.
        Assert.Equal(exits.Split(','), HandlerExits(r).Take(exits.Split(',').Length));
    }

    /// <summary>
    /// An x2APIC ICR write with reserved bits set (31:20, 17:16, 13) is a #GP in the guest (KVM's
    /// <c>kvm_x2apic_icr_write()</c>, X2APIC_ICR_RESERVED_BITS; the host's x2APIC does the same), which the model does not
    /// run: the action is said to be not modelled and sends nothing, as docs/simulation.md says. It was sent.
    /// </summary>
    [Fact]
    public void An_x2apic_icr_write_with_reserved_bits_is_not_modelled()
    {
        var r = Sim.Run(Template.Replace("MODE", "x2apic", StringComparison.Ordinal).Replace("APICV", "true", StringComparison.Ordinal)
            .Replace("DO", "{write: {msr: 0x830, value: 0x100061}}, eoi", StringComparison.Ordinal));

        Assert.Null(Sim.Unconserved(r));
        Assert.DoesNotContain(r.Dispatch, d => d.Vector == 0x61);
        Assert.Contains(r.Messages, m => m.Text.StartsWith("irqlab: guest action write in VM g0", StringComparison.Ordinal));
    }

    /// <summary>
    /// KVM's own sender never sends the wakeup vector: <c>vmx_deliver_posted_interrupt()</c> sets PIR and ON, and
    /// <c>kvm_vcpu_trigger_posted_interrupt()</c> (arch/x86/kvm/vmx/vmx.c) sends POSTED_INTR_VECTOR only to a vCPU in
    /// guest mode; a halted vCPU gets <c>kvm_vcpu_wake_up()</c> instead, no host interrupt (no PIW, no
    /// <c>sysvec_kvm_posted_intr_wakeup_ipi</c>, no exit of the guest that runs on its host CPU meanwhile). The fixed IPI
    /// waits in the PIR: with <c>wake_from_halt</c> the woken vCPU takes it at once, otherwise at its next enter step.
    /// <paramref name="sameCpu"/>: the halted vCPU is pinned to the sender's host CPU.
    /// </summary>
    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public void A_guest_ipi_to_a_halted_vcpu_wakes_it_without_a_host_interrupt_kvm_vcpu_trigger_posted_interrupt(bool wake, bool sameCpu)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: guest-ipi-halted
            kernel: {version: "6.10"}
            machine: {cpus: 3}
            vms:
              - name: g0
                vcpus: [{cpu: 1}, {cpu: {{{(sameCpu ? 1 : 2)}}}}]
                apicv: true
                posted_interrupts: true
                wake_from_halt: {{{(wake ? "true" : "false")}}}
                handlers:
                  - {vector: 0x40, do: [{ipi: {to: 1, vector: 0x61}}, eoi]}
                  - {vector: 0x61, do: [eoi]}
            steps:
              - {vm: {op: enter, vm: g0, vcpu: 1}}
              - {vm: {op: exit, vm: g0, vcpu: 1}}
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x40}}
              - {advance: 10us}
            """);

        Assert.Null(Sim.Unconserved(r));
        Assert.DoesNotContain(r.Dispatch, d => d.Vm is null);
        Assert.DoesNotContain(r.InterruptRows, row => row.Row == "PIW" && row.Counts.Any(n => n != 0));
        Assert.Equal(["HLT", "APIC_WRITE"], r.VmExits.Select(x => x.Reason));
        Assert.Equal(wake && !sameCpu ? 1 : 0, r.Dispatch.Count(d => d.Vector == 0x61));
        Assert.Equal(wake && !sameCpu ? 0 : 1, r.Stats.Pending);
    }

    /// <summary>
    /// A guest handler's <c>ipi: {to: N}</c> is vCPU N of its VM (destination APIC ID N, docs/simulation.md), which the
    /// host's CPU count does not bound: vCPU 2 of a three-vCPU VM on a two-CPU host takes the IPI. A raw destination
    /// no vCPU has (<c>{physical: 9}</c>) takes nothing (KVM's <c>kvm_apic_send_ipi()</c> matches the destination
    /// against the VM's APIC IDs); a vCPU number the VM lacks is a load error (<see cref="A_guest_ipi_destination_is_a_vcpu_of_the_vm_checked_at_load"/>).
    /// </summary>
    [Theory]
    [InlineData("xapic", "2", 1)]
    [InlineData("xapic", "{physical: 9}", 0)]
    [InlineData("x2apic", "2", 1)]
    [InlineData("x2apic", "{physical: 0x1000}", 0)]
    public void A_guest_ipi_destination_is_a_vcpu_apic_id_not_bounded_by_the_host_cpus(string mode, string to, int taken)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: guest-ipi-many-vcpus
            kernel: {version: "6.10"}
            machine: {cpus: 2, apic: {{{mode}}}}
            vms:
              - name: g0
                vcpus: [{cpu: 1}, {cpu: 1}, {cpu: 1}]
                handlers:
                  - {vector: 0x40, do: [{ipi: {to: {{{to}}}, vector: 0x61}}, eoi]}
                  - {vector: 0x61, do: [{read: {reg: apic.id, as: id61}}, eoi]}
            steps:
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x40}}
              - {vm: {op: exit, vm: g0, vcpu: 0}}
              - {vm: {op: enter, vm: g0, vcpu: 2}}
              - {advance: 10us}
            """);

        Assert.Null(Sim.Unconserved(r));
        Assert.Equal(taken, r.Dispatch.Count(d => d is { Vector: 0x61, Vcpu: 2 }));
        Assert.Equal(1 - taken, r.Stats.Dropped);
    }

    /// <summary>A destination no vCPU of the VM has (APIC ID 5 of a two-vCPU VM) takes nothing: the IPI is dropped, and counted so.</summary>
    [Fact]
    public void A_guest_ipi_to_an_apic_id_no_vcpu_has_is_dropped()
    {
        var r = Run("xapic", true, "{ipi: {to: {physical: 5}, vector: 0x61}}, eoi");

        Assert.DoesNotContain(r.Dispatch, d => d.Vector == 0x61);
        Assert.Equal(1, r.Stats.Dropped);
    }

    /// <summary>
    /// A device action in a guest handler acts on the device as from the host: the device is the same hardware
    /// (SCENARIOS.md §6 <c>{raise|lower|pulse: DEVICE}</c>); its MSI reaches the host CPU it targets.
    /// </summary>
    [Fact]
    public void A_guest_device_action_raises_the_device_on_the_host()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: guest-pulse
            kernel: {version: "6.10"}
            machine: {cpus: 2}
            devices:
              - name: eth0
                msix: {vectors: 1, affinity: [0]}
            vms:
              - name: g0
                vcpus: [{cpu: 1}]
                handlers:
                  - {vector: 0x50, do: [{pulse: eth0}, eoi]}
            steps:
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {vm: {op: inject, vm: g0, vcpu: 0, type: ext_int, vector: 0x50}}
              - {advance: 10us}
            """);

        Assert.Null(Sim.Unconserved(r));
        var host = Assert.Single(r.Dispatch, d => d.Handler == "common_interrupt");
        Assert.Equal((0, (string?)null), (host.Cpu, host.Vm));
        Assert.DoesNotContain(r.Messages, m => m.Text.StartsWith("irqlab: guest action", StringComparison.Ordinal));
    }

    private const string FourVcpus = """
        irqlab: 1
        name: guest-ipi-vcpu
        kernel: {version: "6.10"}
        machine: {cpus: 2}
        vms:
          - name: g0
            vcpus: [{cpu: 1}, {cpu: 1}, {cpu: 0}, {cpu: 0}]
            handlers:
              - {vector: 0x40, do: [{ipi: {to: TO, vector: 0x61}}, eoi]}
              - {vector: 0x61, do: [eoi]}
        steps:
          - {vm: {op: enter, vm: g0, vcpu: 3}}
          - {vm: {op: enter, vm: g0, vcpu: 1}}
          - {vm: {op: post, vm: g0, vcpu: 1, vector: 0x40}}
          - {advance: 10us}
        """;

    /// <summary>
    /// In a guest handler <c>ipi.to: N</c> names vCPU N of the VM (its APIC ID), so it is checked against the VM's vCPUs,
    /// not the host's CPUs: vCPU 3 of a four-vCPU VM on a two-CPU machine is a destination, vCPU 4 is a <c>range</c>
    /// error naming the key.
    /// </summary>
    [Fact]
    public void A_guest_ipi_destination_is_a_vcpu_of_the_vm_checked_at_load()
    {
        var r = Sim.Run(FourVcpus.Replace("TO", "3", StringComparison.Ordinal));
        var taken = Assert.Single(r.Dispatch, d => d.Vector == 0x61);
        Assert.Equal(("g0", 3, 0), (taken.Vm, taken.Vcpu, taken.Cpu));

        var e = Assert.Throws<IrqLab.Scenarios.ScenarioException>(() => Sim.Run(FourVcpus.Replace("TO", "4", StringComparison.Ordinal)));
        Assert.Contains("vms[0].handlers[0].do[0].ipi.to must be 0..3 (a vCPU of the VM, which has 4), got 4", e.Message, StringComparison.Ordinal);
    }
}
