using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>KVM's run loop around exits (arch/x86/kvm/x86.c vcpu_enter_guest, vmx.c) and the NMI window.</summary>
public sealed class VmxRunLoopTests
{
    [Fact]
    public void NMI_for_a_guest_inside_its_NMI_handler_waits_for_an_NMI_WINDOW_exit_kvm_enable_nmi_window()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: nmi-window
            machine: {cpus: 2}
            vms:
              - name: g0
                vcpus: [{cpu: 1}]
                virtual_nmis: true
                handlers: [{vector: 2, do: [{advance: 5us}]}]
            steps:
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {vm: {op: nmi, vm: g0, vcpu: 0}}
              - {advance: 1us}
              - {vm: {op: nmi, vm: g0, vcpu: 0}}
              - {advance: 20us}
            """);
        var guestNmis = r.Dispatch.Where(d => d.Vm == "g0" && d.Vector == 2).ToList();
        Assert.Equal(2, guestNmis.Count);
        Assert.Equal(0, guestNmis[0].TimeNs);
        Assert.Equal(5000, guestNmis[1].TimeNs);
        var window = Assert.Single(r.VmExits, x => x.Reason == "NMI_WINDOW");
        Assert.Equal(5000, window.TimeNs);
        Assert.Empty(r.Faults);
    }

    [Fact]
    public void Host_interrupt_arriving_while_the_host_handles_an_exit_is_taken_in_host_mode_without_a_second_exit()
    {
        // linux-dispatch.md §6.2: handle_exit_irqoff runs with IRQs off, then local_irq_enable() lets the host take
        // the pending interrupt through its own IDT before the next VM entry.
        var r = Sim.Run("""
            irqlab: 1
            name: exit-then-host-irq
            kernel: {version: "6.10", delivery: idt}
            machine: {cpus: 2}
            devices:
              - name: eth0
                msix: {vectors: 1, affinity: [1]}
                handler: {returns: handled, cost: 5us}
            vms:
              - {name: g0, vcpus: [{cpu: 1}], reinject: software}
            steps:
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {raise: eth0}
              - {advance: 1us}
              - {ipi: {from: 0, to: 1, vector: RESCHEDULE_VECTOR}}
              - {advance: 20us}
            """);
        Assert.Single(r.VmExits, x => x.Reason == "EXTERNAL_INTERRUPT");
        var res = Assert.Single(r.Dispatch, d => d.Handler == "sysvec_reschedule_ipi");
        Assert.Equal((5000L, "idt_gate", (string?)null), (res.TimeNs, res.Path, res.Vm));
    }

    [Fact]
    public void NMI_pending_after_the_host_NMI_handler_is_taken_in_host_mode_vmx_handle_nmi()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: nmi-after-nmi-exit
            kernel: {mode: bare}
            machine: {cpus: 2}
            handlers: [{vector: 2, do: [{advance: 2us}]}]
            vms:
              - {name: g0, vcpus: [{cpu: 1}]}
            steps:
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {nmi: {cpu: 1}}
              - {advance: 1us}
              - {nmi: {cpu: 1}}
              - {advance: 10us}
            """);
        Assert.Single(r.VmExits, x => x.Reason == "EXCEPTION_NMI");
        var nmis = r.Dispatch.Where(d => d.Vector == 2 && d.Vm is null).ToList();
        Assert.Equal([0L, 2000L], nmis.Select(n => n.TimeNs));
    }
    /// <summary>
    /// KVM <c>kvm_check_and_inject_events()</c> (arch/x86/kvm/x86.c): an event already being injected goes first
    /// (<c>can_inject</c> is false while one needs injection), and a pending NMI then gets <c>-EBUSY</c> ("r = can_inject ?
    /// nmi_allowed(vcpu, true) : -EBUSY; if (r &lt; 0) goto out;"): the function leaves with <c>req_immediate_exit</c> before
    /// <c>enable_nmi_window()</c>, so the guest exits right after the injected event's delivery (a zero VMX-preemption
    /// timer: PREEMPTION_TIMER) and KVM looks again on the way back in: the NMI is injected at once, nested in the event's
    /// handler (an external interrupt or exception does not block NMIs, nor does it set soft NMI blocking without virtual
    /// NMIs), or, behind an injected NMI (blocking by NMI until its IRET), the NMI window opens. The model used to open the
    /// NMI window (the interrupt window without virtual NMIs) on the first entry instead: NMI_WINDOW in place of the
    /// immediate exit, and without virtual NMIs the NMI waited for the event handler's IRET. An NMI queued while the vCPU
    /// was out must also not overwrite the injected event (it used to: the event vanished, not dispatched, not counted).
    /// </summary>
    [Theory]
    [InlineData("ext_int", 0x30, true, 0L, 1, "PREEMPTION_TIMER@0")]
    [InlineData("hw_exc", 6, true, 0L, 1, "PREEMPTION_TIMER@0")]
    [InlineData("nmi", 2, true, 2000L, 0, "PREEMPTION_TIMER@0 NMI_WINDOW@2000")]
    [InlineData("ext_int", 0x30, false, 0L, 1, "PREEMPTION_TIMER@0")]
    [InlineData("nmi", 2, false, 2000L, 0, "PREEMPTION_TIMER@0 INTERRUPT_WINDOW@2000")]
    public void NMI_queued_while_the_vcpu_is_out_follows_an_injected_event_kvm_check_and_inject_events(
        string type, int vector, bool virtualNmis, long nmiAt, int nmiDepth, string exits)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: inject-then-nmi
            kernel: {version: "6.10"}
            machine: {cpus: 2}
            vms:
              - name: g0
                vcpus: [{cpu: 1}]
                virtual_nmis: {{{(virtualNmis ? "true" : "false")}}}
                handlers:
                  - {vector: 2, do: [{advance: 2us}]}
                  - {vector: 6, do: [{advance: 2us}]}
                  - {vector: 0x30, do: [{advance: 2us}]}
            steps:
              - {vm: {op: inject, vm: g0, vcpu: 0, type: {{{type}}}, vector: {{{vector}}}}}
              - {vm: {op: nmi, vm: g0, vcpu: 0}}
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {advance: 10us}
            """);

        var guest = r.Dispatch.Where(d => d.Vm == "g0").Select(d => (d.Vector, d.TimeNs, d.Depth)).ToArray();
        Assert.Equal([(vector, 0L, 0), (2, nmiAt, nmiDepth)], guest);
        Assert.Equal(exits, string.Join(' ', r.VmExits.Select(x => x.Reason + "@" + x.TimeNs.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        Assert.Empty(r.Faults);
        Assert.Null(Sim.Unconserved(r));
    }

    /// <summary>
    /// KVM <c>process_nmi()</c> (arch/x86/kvm/x86.c): "x86 is limited to one NMI pending, but because KVM can't react to
    /// incoming NMIs as quickly as bare metal ... allow two NMIs to be (temporarily) pending so long as NMIs are not
    /// blocked and KVM is not waiting for a previous NMI injection to complete". Two NMIs queued while the vCPU is out of
    /// guest mode both reach the guest: one injected at the entry, the other after the window that opens at its IRET
    /// (NMI_WINDOW; INTERRUPT_WINDOW without virtual NMIs). A third one is merged (the limit is two).
    /// </summary>
    [Theory]
    [InlineData(2, true, "NMI_WINDOW")]
    [InlineData(3, true, "NMI_WINDOW")]
    [InlineData(2, false, "INTERRUPT_WINDOW")]
    public void Two_NMIs_queued_while_the_vcpu_is_out_both_reach_the_guest_kvm_process_nmi(int nmis, bool virtualNmis, string window)
    {
        var queued = string.Concat(Enumerable.Repeat("\n  - {vm: {op: nmi, vm: g0, vcpu: 0}}", nmis));
        var r = Sim.Run($$$"""
            irqlab: 1
            name: two-nmis
            kernel: {version: latest}
            machine: {cpus: 2}
            vms:
              - name: g0
                vcpus: [{cpu: 1}]
                virtual_nmis: {{{(virtualNmis ? "true" : "false")}}}
                handlers: [{vector: 2, do: [{advance: 2us}]}]
            steps:{{{queued}}}
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {advance: 10us}
            """);

        Assert.Equal([(0L, 0), (2000L, 0)], r.Dispatch.Where(d => d.Vm == "g0").Select(d => (d.TimeNs, d.Depth)).ToArray());
        var exit = Assert.Single(r.VmExits);
        Assert.Equal((window, 2000L), (exit.Reason, exit.TimeNs));
        Assert.Equal((2L, nmis - 2L, 0L), (r.Stats.Delivered, r.Stats.Coalesced, r.Stats.Pending));
        Assert.Null(Sim.Unconserved(r));
    }

    /// <summary>
    /// Accounting (docs/simulation.md): a virtual NMI that never reaches the guest is pending at the end, not delivered
    /// (one queued for a vCPU that is never entered; one waiting for the guest's IRET when the guest halts in its NMI
    /// handler).
    /// </summary>
    [Theory]
    [InlineData("nmi", 0L)]
    [InlineData("enter|nmi|nmi|exit", 3L)] // both NMIs' kicks (reschedule IPIs to the host) and the first NMI
    public void A_virtual_NMI_that_never_reaches_the_guest_is_counted_pending(string ops, long delivered)
    {
        var steps = string.Join("\n", ops.Split('|').Select(op => $"  - {{vm: {{op: {op}, vm: g0, vcpu: 0}}}}"));
        var r = Sim.Run($$"""
            irqlab: 1
            name: nmi-pending
            machine: {cpus: 2}
            vms:
              - name: g0
                vcpus: [{cpu: 1}]
                handlers: [{vector: 2, do: [{advance: 5us}]}]
            steps:
            {{steps}}
            """);

        Assert.Equal((delivered, 1L), (r.Stats.Delivered, r.Stats.Pending));
        Assert.Null(Sim.Unconserved(r));
    }
    /// <summary>
    /// An exit step (a guest HLT) while KVM handles an exit in host mode: the guest can only execute HLT once the run loop
    /// re-enters it (vcpu_enter_guest after handle_exit_irqoff and local_irq_enable), so the HLT exit comes when the host
    /// handler has returned, and only then does KVM block the vCPU and arm POSTED_INTR_WAKEUP_VECTOR
    /// (vmx_vcpu_pi_put), with the HLT exit in vmexits.
    /// </summary>
    [Theory]
    [InlineData("idt", true)]
    [InlineData("fred", true)]
    [InlineData("fred", false)]
    public void Exit_step_while_the_host_handles_an_exit_halts_the_guest_when_it_is_reentered(string delivery, bool ack)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: hlt-after-exit
            kernel: {version: "6.10", delivery: {{{delivery}}}}
            machine: {cpus: 2}
            devices:
              - name: eth0
                msix: {vectors: 1, affinity: [1]}
                handler: {returns: handled, cost: 5us}
            vms:
              - name: g0
                vcpus: [{cpu: 1}]
                ack_interrupt_on_exit: {{{(ack ? "true" : "false")}}}
                handlers: [{vector: 0x30, do: [eoi]}]
            steps:
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {raise: eth0}
              - {advance: 1us}
              - {vm: {op: exit, vm: g0, vcpu: 0}}
              - {advance: 10us}
              - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x30}}
              - {advance: 1us}
              - {vm: {op: enter, vm: g0, vcpu: 0}}
            """);

        Assert.Equal([(0L, "EXTERNAL_INTERRUPT"), (5000L, "HLT")], r.VmExits.Select(x => (x.TimeNs, x.Reason)).ToArray());

        // Without ack-on-exit posted interrupts are off (they need it, SDM 26.2.1.1): the post waits for the next entry.
        (string, long, string?)[] wakeup = ack ? [("sysvec_kvm_posted_intr_wakeup_ipi", 11000L, null)] : [];
        Assert.Equal(
            [("common_interrupt", 0L, null), .. wakeup, ("vector_0x30", 12000L, "g0")],
            r.Dispatch.Select(d => (d.Handler, d.TimeNs, d.Vm)).ToArray());
    }
    /// <summary>
    /// An exit step and then an enter step of the same vCPU, both while KVM handles an exit in host mode (a workload
    /// interrupt's handler): the guest executes its HLT once the run loop re-enters it (the HLT exit, as above), and the
    /// enter step, which KVM_RUN can only act on after that handler, enters it again at once; the steps give the same
    /// exits as when they come while the guest runs. The enter step used to cancel the pending HLT, so the exit step left
    /// no HLT exit at all whenever a host handler happened to be running. Rows: the steps during the handler (5 us cost,
    /// 0-5 us), under IDT and FRED, and at 6 us, after it.
    /// </summary>
    [Theory]
    [InlineData("idt", 1, 5000L)]
    [InlineData("fred", 1, 5000L)]
    [InlineData("fred", 6, 6000L)]
    public void Exit_then_enter_steps_while_the_host_handles_an_exit_give_the_HLT_exit_and_reenter(string delivery, int stepsAtUs, long hltNs)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: hlt-then-enter-after-exit
            kernel: {version: "6.10", delivery: {{{delivery}}}}
            machine: {cpus: 2}
            devices:
              - name: eth0
                msix: {vectors: 1, affinity: [1]}
                handler: {returns: handled, cost: 5us}
            vms:
              - name: g0
                vcpus: [{cpu: 1}]
                handlers: [{vector: 0x30, do: [eoi]}]
            steps:
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {raise: eth0}
              - {advance: {{{stepsAtUs}}}us}
              - {vm: {op: exit, vm: g0, vcpu: 0}}
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {advance: 10us}
              - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x30}}
              - {advance: 1us}
            """);

        Assert.Equal([(0L, "EXTERNAL_INTERRUPT"), (hltNs, "HLT")], r.VmExits.Select(x => (x.TimeNs, x.Reason)).ToArray());

        // The vCPU runs again: the post is processed in guest mode, with no wakeup vector on the host.
        var at = (stepsAtUs + 10) * 1000L;
        Assert.Equal(
            [("common_interrupt", 0L, null), ("vector_0x30", at, "g0")],
            r.Dispatch.Select(d => (d.Handler, d.TimeNs, d.Vm)).ToArray());
    }

    /// <summary>
    /// Exit, enter and exit steps of one vCPU in a row, during a host handler (1 us) or while the guest runs (6 us): the
    /// guest halts, is entered and halts again either way — two HLT exits, at the re-entry or at the steps — and is left
    /// blocked, so a post then reaches its host on POSTED_INTR_WAKEUP_VECTOR (the vCPU halted with IF = 1).
    /// </summary>
    [Theory]
    [InlineData(1, 5000L)]
    [InlineData(6, 6000L)]
    public void Exit_enter_exit_steps_while_the_host_handles_an_exit_give_two_HLT_exits(int stepsAtUs, long hltNs)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: hlt-enter-hlt-after-exit
            kernel: {version: "6.10"}
            machine: {cpus: 2}
            devices:
              - name: eth0
                msix: {vectors: 1, affinity: [1]}
                handler: {returns: handled, cost: 5us}
            vms:
              - name: g0
                vcpus: [{cpu: 1}]
                posted_interrupts: true
                apicv: true
                handlers: [{vector: 0x30, do: [eoi]}]
            steps:
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {raise: eth0}
              - {advance: {{{stepsAtUs}}}us}
              - {vm: {op: exit, vm: g0, vcpu: 0}}
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {vm: {op: exit, vm: g0, vcpu: 0}}
              - {advance: 10us}
              - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x30}}
              - {advance: 1us}
            """);

        Assert.Equal(
            [(0L, "EXTERNAL_INTERRUPT"), (hltNs, "HLT"), (hltNs, "HLT")],
            r.VmExits.Select(x => (x.TimeNs, x.Reason)).ToArray());
        Assert.Equal(
            [("common_interrupt", 0L), ("sysvec_kvm_posted_intr_wakeup_ipi", (stepsAtUs + 10) * 1000L)],
            r.Dispatch.Select(d => (d.Handler, d.TimeNs)).ToArray());
    }

    /// <summary>
    /// SDM Vol. 3C 25.2: in VMX non-root operation an INIT causes a VM exit (reason 3) and "a logical processor performs
    /// none of the operations normally associated with" it, so the host's local APIC keeps its state (SVR, the next IPI
    /// is accepted). KVM has no handler for the exit outside nested virtualization: __vmx_handle_exit() logs "vmx:
    /// unexpected exit reason 0x3" and returns to user space (the vCPU stays out); the host APIC stays software-enabled,
    /// so the next interrupt is taken. Without a guest on the CPU the INIT resets the APIC.
    /// </summary>
    [Theory]
    [InlineData(true, 0x1FFL, 0L)]
    [InlineData(false, 0xFFL, 1L)]
    public void INIT_while_a_guest_runs_exits_with_INIT_SIGNAL_and_leaves_the_host_APIC_alone(bool inGuest, long svr, long dropped)
    {
        var enter = inGuest ? "  - {vm: {op: enter, vm: g0, vcpu: 0}}\n" : string.Empty;
        var r = Sim.Run($$$"""
            irqlab: 1
            name: init-in-guest
            kernel: {version: "6.10"}
            machine: {cpus: 2}
            vms:
              - {name: g0, vcpus: [{cpu: 1}]}
            steps:
            {{{enter}}}  - {ipi: {from: 0, to: 1, mode: init}}
              - {read: {cpu: 1, reg: apic.svr, as: svr}}
              - {ipi: {from: 0, to: 1, vector: CALL_FUNCTION_VECTOR}}
            """);

        Assert.Equal((ulong)svr, Assert.Single(r.Reads).Value.Scalar);
        Assert.Equal(dropped, r.Stats.Dropped);
        if (inGuest)
        {
            var exit = Assert.Single(r.VmExits);
            Assert.Equal(("INIT_SIGNAL", (int?)null, (string?)null), (exit.Reason, exit.Vector, exit.ReinjectedVia));
            Assert.Contains(r.Messages, m => m.Text.EndsWith("vcpu0, guest rIP: 0x0 vmx: unexpected exit reason 0x3", StringComparison.Ordinal));

            // The vCPU went back to user space: the host takes the next interrupt itself, with no second exit.
            var d = Assert.Single(r.Dispatch);
            Assert.Equal(("sysvec_call_function", (string?)null), (d.Handler, d.Vm));
        }
        else
        {
            Assert.Empty(r.VmExits);
            Assert.Empty(r.Dispatch);
        }
    }
    /// <summary>
    /// SDM Vol. 3C 25.2 / 27.2.2: with external-interrupt exiting every external interrupt that arrives in VMX non-root
    /// operation exits, an ExtINT from the 8259 through LINT0 (virtual wire) included; "acknowledge interrupt on exit"
    /// runs the INTA cycle on the 8259 and stores its vector in the exit information, without it the request stays
    /// pending and the host takes it (INTA) once it sets IF. Either way the vCPU leaves guest mode before the host
    /// handler runs.
    /// </summary>
    [Theory]
    [InlineData(true, 0x2C)]
    [InlineData(false, null)]
    public void ExtINT_through_LINT0_exits_the_guest_and_the_exit_acknowledges_the_8259(bool ack, int? exitVector)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: extint-exit
            kernel: {mode: bare}
            machine: {cpus: 1}
            devices:
              - {name: mouse, line: {isa: 12}}
            handlers:
              - {vector: 0x2c, do: [{write: {port: 0xA0, value: 0x20}}, {write: {port: 0x20, value: 0x20}}]}
            vms:
              - {name: g0, vcpus: [{cpu: 0}], ack_interrupt_on_exit: {{{(ack ? "true" : "false")}}}}
            steps:
              - {write: {port: 0x20, value: 0x11}}
              - {write: {port: 0x21, value: 0x20}}
              - {write: {port: 0x21, value: 0x04}}
              - {write: {port: 0x21, value: 0x01}}
              - {write: {port: 0xA0, value: 0x11}}
              - {write: {port: 0xA1, value: 0x28}}
              - {write: {port: 0xA1, value: 0x02}}
              - {write: {port: 0xA1, value: 0x01}}
              - {write: {port: 0x21, value: 0xFB}}
              - {write: {port: 0xA1, value: 0xEF}}
              - {write: {cpu: 0, reg: apic.lvt.lint0, value: 0x700}}
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {pulse: mouse}
              - {advance: 1us}
            """);

        var exit = Assert.Single(r.VmExits);
        Assert.Equal(("EXTERNAL_INTERRUPT", exitVector, ack ? "software" : null), (exit.Reason, exit.Vector, exit.ReinjectedVia));
        var d = Assert.Single(r.Dispatch);
        Assert.Equal((0x2C, "vector_0x2c", (string?)null), (d.Vector, d.Handler, d.Vm));
    }
    /// <summary>
    /// KVM keeps #MC in every guest's exception bitmap (vmx_update_exception_bitmap), so a machine check while a guest
    /// runs exits (EXCEPTION_NMI, vector 18) and handle_exception_irqoff() -> kvm_machine_check() runs the host's
    /// do_machine_check() (with CONFIG_X86_MCE; nothing without it); the guest then resumes and takes the next posted
    /// interrupt; the guest's own #MC handler does not run.
    /// </summary>
    [Theory]
    [InlineData("idt", true)]
    [InlineData("fred", true)]
    [InlineData("fred", false)]
    public void Machine_check_while_a_guest_runs_exits_and_runs_the_host_handler_kvm_machine_check(string delivery, bool mce)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: mc-in-guest
            kernel: {version: "6.10", delivery: {{{delivery}}}, config: {X86_MCE: {{{(mce ? "true" : "false")}}}}}
            machine: {cpus: 2}
            vms:
              - name: g0
                vcpus: [{cpu: 1}]
                handlers: [{vector: 18, do: []}, {vector: 0x30, do: [eoi]}]
            steps:
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {exception: {cpu: 1, vector: 18}}
              - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x30}}
            """);

        var exit = Assert.Single(r.VmExits);
        Assert.Equal(("EXCEPTION_NMI", (int?)18, (string?)null), (exit.Reason, exit.Vector, exit.ReinjectedVia));
        Assert.Equal((1, "machine_check"), (Assert.Single(r.Faults).Cpu, Assert.Single(r.Faults).Kind));
        (string, string?)[] host = mce ? [("exc_machine_check", null)] : [];
        Assert.Equal([.. host, ("vector_0x30", "g0")], r.Dispatch.Select(d => (d.Handler, d.Vm)).ToArray());
        Assert.Empty(r.Messages);
    }

    /// <summary>
    /// KVM_RUN cannot enter the guest while its CPU is still inside a host interrupt handler (interrupts off): an enter
    /// step then takes effect when the handler returns, as KVM's run loop re-enters after an exit (vcpu_enter_guest), so
    /// the guest never runs on top of the unfinished host handler (its handler is dispatched after the host's 5 us, not
    /// at 1 us). Cases: the vCPU's own exit still being handled, and a first entry while the CPU
    /// handles a host device interrupt.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Enter_step_while_the_host_runs_a_handler_takes_effect_when_the_handler_returns(bool enteredBefore)
    {
        var first = enteredBefore ? "  - {vm: {op: enter, vm: g0, vcpu: 0}}\n" : string.Empty;
        var r = Sim.Run($$$"""
            irqlab: 1
            name: enter-during-host-handler
            kernel: {version: "6.10"}
            machine: {cpus: 2}
            devices:
              - name: eth0
                msix: {vectors: 1, affinity: [1]}
                handler: {returns: handled, cost: 5us}
            vms:
              - name: g0
                vcpus: [{cpu: 1}]
                handlers: [{vector: 0x30, do: [eoi]}]
            steps:
            {{{first}}}  - {raise: eth0}
              - {advance: 1us}
              - {vm: {op: enter, vm: g0, vcpu: 0}}
              - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x30}}
              - {advance: 10us}
            """);

        Assert.Equal(
            [("common_interrupt", 0L, (string?)null), ("vector_0x30", 5000L, "g0")],
            r.Dispatch.Select(d => (d.Handler, d.TimeNs, d.Vm)).ToArray());
        Assert.Equal(enteredBefore ? ["EXTERNAL_INTERRUPT"] : [], r.VmExits.Select(x => x.Reason).ToArray());
    }
}
