using IrqLab.Scenarios.Model;
using IrqLab.Scenarios.Syntax;

namespace IrqLab.Scenarios;

/// <summary>Bare-mode <c>handlers:</c> (SCENARIOS.md §6) and <c>vms:</c> (§9), whose guest handlers have the same form.</summary>
internal sealed partial class ScenarioReader
{
    private static readonly string[] s_handlerSpecKeys = ["vector", "do"];
    private static readonly string[] s_vmKeys =
        ["name", "vcpus", "ack_interrupt_on_exit", "reinject", "virtual_nmis", "posted_interrupts", "apicv", "exception_bitmap", "wake_from_halt", "handlers"];

    private static readonly string[] s_vcpuKeys = ["cpu"];

    private List<HandlerSpec> ReadTopHandlers(ScalarNode key, SyntaxNode node)
    {
        var items = List(node, "handlers");
        if (items.Count > 0 && _kernel.Mode != KernelMode.Bare)
        {
            throw _errors.At(
                ErrorCodes.Conflict,
                key,
                "handlers: is for kernel.mode bare only; in linux mode the kernel model dispatches (set kernel: {mode: bare})");
        }

        return ReadHandlerList(items, "handlers");
    }

    /// <summary>The first of KVM's Kconfig dependencies that the kernel config turns off, or null.</summary>
    private string? KvmMissingOption() =>
        !_kernel.IsEnabled("HAVE_KVM") ? "HAVE_KVM" : !_kernel.IsEnabled("X86_LOCAL_APIC") ? "X86_LOCAL_APIC" : null;

    private List<HandlerSpec> ReadHandlerList(List<SyntaxNode> items, string path)
    {
        var handlers = new List<HandlerSpec>(items.Count);
        var seen = new Dictionary<int, SourceMark>();
        for (var i = 0; i < items.Count; i++)
        {
            var itemPath = $"{path}[{i}]";
            var m = Map(items[i], itemPath, s_handlerSpecKeys);
            var vectorNode = m.Require("vector");
            var vector = Vector(vectorNode, m.PathOf("vector"));
            if (!seen.TryAdd(vector, vectorNode.Mark))
            {
                throw _errors.At(ErrorCodes.Duplicate, vectorNode, $"duplicate handler for vector 0x{vector:x2} in {path} (first at {seen[vector]})");
            }

            var actions = new List<Step>();
            if (m.Get("do") is { } doNode)
            {
                var list = List(doNode, m.PathOf("do"));
                for (var j = 0; j < list.Count; j++)
                {
                    actions.Add(ReadOperation(list[j], $"{m.PathOf("do")}[{j}]", inHandler: true));
                }
            }

            handlers.Add(new HandlerSpec { Vector = vector, Do = actions, Mark = m.Mark });
        }

        return handlers;
    }

    private List<VmSpec> ReadVms(ScalarNode key, SyntaxNode node)
    {
        var items = List(node, "vms");
        if (items.Count > 0 && _kernel.Mode == KernelMode.Linux && KvmMissingOption() is { } missing)
        {
            // In linux mode the VMs are KVM's, and arch/x86/kvm/Kconfig has "config KVM ... depends on HAVE_KVM &&
            // HIGH_RES_TIMERS && X86_LOCAL_APIC": without either option the host kernel has no KVM to run them (and no
            // posted-interrupt vectors or handlers for its notifications).
            throw _errors.At(
                ErrorCodes.Conflict,
                key,
                $"vms: needs KVM, which depends on {missing} (arch/x86/kvm/Kconfig); kernel.config sets {missing}: false");
        }

        var vms = new List<VmSpec>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"vms[{i}]";
            var m = Map(items[i], path, s_vmKeys);
            var nameNode = m.Require("name");
            var name = String(nameNode, m.PathOf("name"));
            if (_vms.TryGetValue(name, out var first))
            {
                throw _errors.At(ErrorCodes.Duplicate, nameNode, $"duplicate VM name '{name}' (first declared at {first.Mark})");
            }

            var vcpusNode = m.Require("vcpus");
            var vcpuItems = List(vcpusNode, m.PathOf("vcpus"));
            if (vcpuItems.Count == 0)
            {
                throw _errors.At(ErrorCodes.Range, vcpusNode, $"{m.PathOf("vcpus")} needs at least one vCPU, like [{{cpu: 0}}]");
            }

            var cpus = new List<int>(vcpuItems.Count);
            for (var j = 0; j < vcpuItems.Count; j++)
            {
                var v = Map(vcpuItems[j], $"{m.PathOf("vcpus")}[{j}]", s_vcpuKeys);
                cpus.Add(Cpu(v.Require("cpu"), v.PathOf("cpu")));
            }

            // Posted-interrupt processing needs "acknowledge interrupt on exit" and virtual-interrupt delivery (SDM
            // 26.2.1.1): left unsaid, it follows ack_interrupt_on_exit and apicv, so turning either off alone gives a VM
            // that enters (KVM likewise enables posted interrupts only with APICv active, vmx_pin_based_exec_ctrl()).
            // Asking for posted interrupts explicitly without either is the VM-entry failure the SDM defines.
            var ackOnExit = m.Get("ack_interrupt_on_exit") is not { } ack || Bool(ack, m.PathOf("ack_interrupt_on_exit"));
            var apicvOn = m.Get("apicv") is not { } apicv || Bool(apicv, m.PathOf("apicv"));
            _guestVcpus = cpus.Count;
            var handlers = m.Get("handlers") is { } handlersNode
                ? ReadHandlerList(List(handlersNode, m.PathOf("handlers")), m.PathOf("handlers"))
                : [];
            _guestVcpus = null;
            var vm = new VmSpec
            {
                Name = name,
                VcpuCpus = cpus,
                AckInterruptOnExit = ackOnExit,
                Reinject = m.Get("reinject") is { } reinjectNode
                    ? Word(reinjectNode, m.PathOf("reinject"), "reinject kind", ("software", ReinjectKind.Software), ("idt", ReinjectKind.Idt))
                    : ReinjectKind.Software,
                VirtualNmis = m.Get("virtual_nmis") is not { } vnmi || Bool(vnmi, m.PathOf("virtual_nmis")),
                PostedInterrupts = m.Get("posted_interrupts") is { } pi ? Bool(pi, m.PathOf("posted_interrupts")) : ackOnExit && apicvOn,
                Apicv = apicvOn,
                ExceptionBitmap = m.Get("exception_bitmap") is { } bitmapNode
                    ? [.. List(bitmapNode, m.PathOf("exception_bitmap")).Select((n, k) => Int(n, $"{m.PathOf("exception_bitmap")}[{k}]", 0, 31))]
                    : [],
                WakeFromHalt = m.Get("wake_from_halt") is { } wake && Bool(wake, m.PathOf("wake_from_halt")),
                Handlers = handlers,
                Mark = m.Mark,
            };
            _vms.Add(name, vm);
            vms.Add(vm);
        }

        return vms;
    }
}
