using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// The 8259 behind LINT0 in virtual-wire mode (ExtINT): LINT0 is masked at reset in bare mode, and an ISA interrupt
/// raised before the scenario programs LINT0 waits in the 8259 with INTR high. ExtINT is level-sensitive (SDM Vol. 3A
/// §11.5.1), so unmasking LINT0 takes it at once, and the 8259 serves later requests after its EOI.
/// </summary>
public sealed class VirtualWireTests
{
    [Fact]
    public void An_isa_interrupt_raised_before_lint0_is_unmasked_is_taken_at_the_unmask_SDM_11_5_1()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: virtual-wire
            kernel: {mode: bare}
            machine: {cpus: 1}
            devices:
              - {name: kbd, line: {isa: 1}}
              - {name: com, line: {isa: 3}}
            handlers:
              - {vector: 0x21, do: [{write: {port: 0x20, value: 0x20}}]}
              - {vector: 0x23, do: [{write: {port: 0x20, value: 0x20}}]}
            steps:
              - {write: {port: 0x20, value: 0x11}}
              - {write: {port: 0x21, value: 0x20}}
              - {write: {port: 0x21, value: 0x04}}
              - {write: {port: 0x21, value: 0x01}}
              - {pulse: com}
              - {advance: 1us}
              - {write: {cpu: 0, reg: apic.lvt.lint0, value: 0x700}}
              - {expect: {handlers: [vector_0x23]}}
              - {pulse: kbd}
              - {expect: {handlers: [vector_0x21]}}
            """);

        Assert.True(r.Expects.All(e => e.Ok), Sim.Describe(r) + string.Join("\n", r.Expects.Select(e => e.Detail)));
        Assert.Equal([0x23, 0x21], r.Dispatch.Select(d => d.Vector).ToArray());
    }

    /// <summary>
    /// AEOI (ICW4 bit 1): INTA leaves no ISR bit, so with a second request latched the 8259's INT output stays high
    /// across the INTA. ExtINT is level-sensitive (SDM Vol. 3A §11.5.1), so the CPU takes that request after the
    /// first handler returns; it must not wait for an edge that never comes (8259A datasheet, "Automatic EOI Mode").
    /// </summary>
    [Fact]
    public void Under_AEOI_a_second_request_pending_across_INTA_is_taken_after_the_first_SDM_11_5_1()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: virtual-wire-aeoi
            kernel: {mode: bare}
            machine: {cpus: 1}
            devices:
              - {name: com, line: {isa: 3}}
              - {name: lpt, line: {isa: 5}}
            handlers:
              - {vector: 0x23, do: []}
              - {vector: 0x25, do: []}
            steps:
              - {write: {port: 0x20, value: 0x11}}
              - {write: {port: 0x21, value: 0x20}}
              - {write: {port: 0x21, value: 0x04}}
              - {write: {port: 0x21, value: 0x03}}   # ICW4: 8086 mode, AEOI
              - {write: {cpu: 0, reg: apic.lvt.lint0, value: 0x700}}
              - {cli: {cpu: 0}}
              - {pulse: lpt}
              - {pulse: com}
              - {sti: {cpu: 0}}
              - {expect: {handlers: [vector_0x23, vector_0x25]}}
            """);

        Assert.True(r.Expects.All(e => e.Ok), Sim.Describe(r) + string.Join("\n", r.Expects.Select(e => e.Detail)));
        Assert.Equal([0x23, 0x25], r.Dispatch.Select(d => d.Vector).ToArray());
    }

    /// <summary>
    /// INIT and a global disable/enable of the APIC reset its registers (SDM Vol. 3A §11.4.7.3, §11.12.5.1), not the
    /// level on its LINT0 pin: the 8259 keeps INT high for a request it holds, so unmasking LINT0 in ExtINT mode
    /// (level-sensitive, §11.5.1) afterwards takes it, as it does without the reset (QEMU <c>apic_check_pic</c> polls
    /// the 8259 output when LVT LINT0 is written).
    /// </summary>
    [Theory]
    [InlineData("{ipi: {from: 1, to: 0, mode: init}}", "{ipi: {from: 1, to: 0, mode: sipi, vector: 0x10}}")]
    [InlineData("{write: {cpu: 0, msr: 0x1B, value: 0xFEE00100}}", "{write: {cpu: 0, msr: 0x1B, value: 0xFEE00900}}")]
    [InlineData("{write: {cpu: 0, msr: 0x1B, value: 0xFEE00100}}", "{write: {cpu: 0, msr: 0x1B, value: 0xFEE00900}}", true)]
    public void A_request_held_across_an_APIC_reset_is_taken_when_LINT0_is_unmasked_SDM_11_5_1(string reset, string restart, bool raiseWhileReset = false)
    {
        // raiseWhileReset: the 8259 raises INT only while the APIC is off, so LINT0 sees the rise in that state.
        var before = raiseWhileReset ? "{advance: 0}" : "{pulse: kbd}";
        var during = raiseWhileReset ? "{pulse: kbd}" : "{advance: 0}";
        var r = Sim.Run($$$"""
            irqlab: 1
            name: virtual-wire-reset
            kernel: {mode: bare}
            machine: {cpus: 2}
            devices:
              - {name: kbd, line: {isa: 1}}
            handlers:
              - {vector: 0x21, do: [{write: {port: 0x20, value: 0x20}}]}
            steps:
              - {write: {port: 0x20, value: 0x11}}
              - {write: {port: 0x21, value: 0x20}}
              - {write: {port: 0x21, value: 0x04}}
              - {write: {port: 0x21, value: 0x01}}
              - {cli: {cpu: 0}}
              - {{{before}}}
              - {{{reset}}}
              - {{{during}}}
              - {{{restart}}}
              - {write: {cpu: 0, reg: apic.svr, value: 0x1FF}}
              - {write: {cpu: 0, reg: apic.lvt.lint0, value: 0x700}}
              - {sti: {cpu: 0}}
              - {advance: 1us}
            """);

        Assert.Equal([0x21], r.Dispatch.Select(d => (int)d.Vector).ToArray());
        Assert.Null(Sim.Unconserved(r));
    }

    /// <summary>
    /// The 8259's INTR is wired to LINTIN0 of every local APIC (MP spec 1.4 §5.1; QEMU <c>pic_irq_request</c> and KVM
    /// <c>kvm_pic</c> deliver to every CPU whose LINT0 accepts it): an AP that programs LINT0 as ExtINT takes the
    /// 8259's interrupts; with LINT0 masked everywhere, nobody does.
    /// </summary>
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(-1, 0)]
    public void The_8259_reaches_the_CPU_whose_LINT0_is_ExtINT_MP_spec_5_1(int cpu, int handled)
    {
        var unmask = cpu >= 0 ? $"- {{write: {{cpu: {cpu}, reg: apic.lvt.lint0, value: 0x700}}}}" : "- {advance: 0}";
        var r = Sim.Run($$$"""
            irqlab: 1
            name: virtual-wire-ap
            kernel: {mode: bare}
            machine: {cpus: 3}
            devices:
              - {name: kbd, line: {isa: 1}}
            handlers:
              - {vector: 0x21, do: [{write: {port: 0x20, value: 0x20}}]}
            steps:
              - {write: {port: 0x20, value: 0x11}}
              - {write: {port: 0x21, value: 0x20}}
              - {write: {port: 0x21, value: 0x04}}
              - {write: {port: 0x21, value: 0x01}}
              {{{unmask}}}
              - {pulse: kbd}
              - {advance: 1us}
            """);

        Assert.Equal(handled, r.Dispatch.Count);
        Assert.All(r.Dispatch, d => Assert.Equal((0x21, cpu), ((int)d.Vector, d.Cpu)));
        Assert.Null(Sim.Unconserved(r));
    }

    /// <summary>
    /// ExtINT is level-sensitive (SDM Vol. 3A §11.5.1), so an unmasked LINT0 switched into ExtINT mode from another
    /// delivery mode while the 8259 holds INT high presents that request at once, as unmasking it does: QEMU's LVT0 write
    /// calls <c>apic_check_pic()</c> and KVM samples the 8259's output whenever LVT0 is unmasked ExtINT
    /// (<c>kvm_apic_accept_pic_intr</c>). The request went high while LINT0 was in NMI or fixed edge mode (an NMI for
    /// the NMI mode; nothing for a fixed edge entry whose edge came before), and no new edge follows.
    /// </summary>
    [Theory]
    [InlineData("0x400", "nmi")]       // NMI: the edge was delivered as an NMI, the 8259 still holds its request
    [InlineData("0x50", null)]         // fixed, edge-triggered, vector 0x50: the edge came before LINT0 was programmed
    [InlineData("0x10700", null)]      // masked ExtINT (the unmask rule, for comparison)
    public void LINT0_switched_to_ExtINT_while_INT_is_high_presents_the_request_SDM_11_5_1_QEMU_apic_check_pic(string before, string? first)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: lint0-mode-switch
            kernel: {mode: bare}
            machine: {cpus: 1}
            devices:
              - {name: kbd, line: {isa: 1}}
            handlers:
              - {vector: 0x02, do: []}
              - {vector: 0x50, do: [eoi]}
              - {vector: 0x21, do: [{write: {port: 0x20, value: 0x20}}]}
            steps:
              - {write: {port: 0x20, value: 0x11}}
              - {write: {port: 0x21, value: 0x20}}
              - {write: {port: 0x21, value: 0x04}}
              - {write: {port: 0x21, value: 0x01}}
              - {write: {port: 0x21, value: 0xFD}}
              - {write: {cpu: 0, reg: apic.lvt.lint0, value: {{{(first == "nmi" ? before : "0x10000")}}}}}
              - {raise: kbd}
              - {write: {cpu: 0, reg: apic.lvt.lint0, value: {{{before}}}}}
              - {advance: 1us}
              - {write: {cpu: 0, reg: apic.lvt.lint0, value: 0x700}}
              - {advance: 1us}
            """);

        var handlers = r.Dispatch.Select(d => (int)d.Vector).ToArray();
        Assert.Equal(first == "nmi" ? new[] { 0x02, 0x21 } : new[] { 0x21 }, handlers);
        Assert.Equal(1000L, r.Dispatch[^1].TimeNs);
        Assert.Null(Sim.Unconserved(r));
    }

    /// <summary>
    /// The converse: switching an unmasked LINT0 out of ExtINT mode before the CPU acknowledges the 8259's request
    /// withdraws it, as masking does: KVM takes the 8259's output only while LVT0 is unmasked ExtINT
    /// (<c>kvm_apic_accept_pic_intr</c>), QEMU's <c>apic_accept_pic_intr</c> likewise. Switching back presents it again.
    /// </summary>
    [Theory]
    [InlineData("0x400")] // NMI (an edge mode: the level already high raises no NMI)
    [InlineData("0x50")]  // fixed, edge-triggered
    public void LINT0_switched_out_of_ExtINT_before_INTA_withdraws_the_8259_request_KVM_kvm_apic_accept_pic_intr(string other)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: lint0-mode-switch-away
            kernel: {mode: bare}
            machine: {cpus: 1}
            devices:
              - {name: kbd, line: {isa: 1}}
            handlers:
              - {vector: 0x02, do: []}
              - {vector: 0x50, do: [eoi]}
              - {vector: 0x21, do: [{write: {port: 0x20, value: 0x20}}]}
            steps:
              - {write: {port: 0x20, value: 0x11}}
              - {write: {port: 0x21, value: 0x20}}
              - {write: {port: 0x21, value: 0x04}}
              - {write: {port: 0x21, value: 0x01}}
              - {write: {port: 0x21, value: 0xFD}}
              - {cli: {cpu: 0}}
              - {write: {cpu: 0, reg: apic.lvt.lint0, value: 0x700}}
              - {raise: kbd}
              - {write: {cpu: 0, reg: apic.lvt.lint0, value: {{{other}}}}}
              - {sti: {cpu: 0}}
              - {advance: 1us}
              - {write: {cpu: 0, reg: apic.lvt.lint0, value: 0x700}}
              - {advance: 1us}
            """);

        var d = Assert.Single(r.Dispatch);
        Assert.Equal((0x21, 1000L), ((int)d.Vector, d.TimeNs));
        Assert.Null(Sim.Unconserved(r));
    }

    /// <summary>
    /// An ExtINT the 8259 presents through LINT0 is level-sensitive (SDM Vol. 3A §11.5.1): masking LINT0 (by an LVT write,
    /// or by the software disable that masks every LVT, §11.4.7.2) before the CPU acknowledges it withdraws it, as KVM's
    /// <c>kvm_apic_accept_pic_intr</c> takes the 8259's output only while LVT0 is unmasked ExtINT. Unmasking LINT0 with
    /// the 8259's INT still high presents it again.
    /// </summary>
    [Theory]
    [InlineData("{write: {cpu: 0, reg: apic.lvt.lint0, value: 0x10700}}", "{advance: 0}")]
    [InlineData("{write: {cpu: 0, reg: apic.svr, value: 0xFF}}", "{write: {cpu: 0, reg: apic.svr, value: 0x1FF}}")]
    public void Masking_LINT0_before_INTA_withdraws_the_8259_ExtINT_SDM_11_5_1_KVM_kvm_apic_accept_pic_intr(string mask, string reenable)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: lint0-masked-after-latch
            kernel: {mode: bare}
            machine: {cpus: 1}
            devices:
              - {name: kbd, line: {isa: 1}}
            handlers:
              - {vector: 0x21, do: [{write: {port: 0x20, value: 0x20}}]}
            steps:
              - {write: {port: 0x20, value: 0x11}}
              - {write: {port: 0x21, value: 0x20}}
              - {write: {port: 0x21, value: 0x04}}
              - {write: {port: 0x21, value: 0x01}}
              - {write: {port: 0x21, value: 0xFD}}
              - {cli: {cpu: 0}}
              - {write: {cpu: 0, reg: apic.svr, value: 0x1FF}}
              - {write: {cpu: 0, reg: apic.lvt.lint0, value: 0x700}}
              - {raise: kbd}
              - {{{mask}}}
              - {sti: {cpu: 0}}
              - {advance: 1us}
              - {{{reenable}}}
              - {write: {cpu: 0, reg: apic.lvt.lint0, value: 0x700}}
              - {advance: 1us}
            """);

        var d = Assert.Single(r.Dispatch);
        Assert.Equal((0x21, 1000L), ((int)d.Vector, d.TimeNs));
        Assert.Null(Sim.Unconserved(r));
    }
}
