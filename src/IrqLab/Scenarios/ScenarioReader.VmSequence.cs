using IrqLab.Scenarios.Model;
using IrqLab.Scenarios.Syntax;

namespace IrqLab.Scenarios;

/// <summary>
/// The order of the top-level <c>{vm: {op: enter|exit}}</c> steps (SCENARIOS.md §7, §9; docs/simulation.md
/// "Virtualization"). Only steps put a vCPU in guest mode, so the loader can tell, walking the steps in order, which
/// vCPU each host CPU has been handed to: a host CPU runs one vCPU at a time (VMX non-root operation is per logical
/// processor: it has one current VMCS at a time, SDM Vol. 3C "Virtual Machine Control Structures"), and an exit step is a guest HLT, which only a vCPU in guest mode can execute.
/// <list type="bullet">
/// <item><c>enter</c> of a vCPU while another vCPU entered on the same host CPU has not been exited by a step is a
/// <c>conflict</c> (the model would otherwise drop the first guest without an exit).</item>
/// <item><c>exit</c> of a vCPU that no earlier step entered, or that an exit step already took out, is a
/// <c>conflict</c>.</item>
/// <item><c>enter</c> of a vCPU that a step entered and no step exited stays legal: a guest also ends without a step
/// (a triple fault, an exception-bitmap exit to user space, a VM-entry failure), and <c>enter</c> is how the scenario
/// resumes it; when the vCPU is still in guest mode the entry does nothing. An <c>exit</c> after such an end is legal
/// too, and is how the scenario hands the host CPU to another vCPU.</item>
/// </list>
/// </summary>
internal sealed partial class ScenarioReader
{
    // Host CPU -> the vCPU a step entered there and no step has exited, with the op node of that enter step.
    private readonly Dictionary<int, (string Vm, int Vcpu, string Path, SourceMark Mark)> _enteredOnCpu = [];

    // vCPU -> the path and mark of its last exit step (absent: never exited by a step).
    private readonly Dictionary<(string Vm, int Vcpu), (string Path, SourceMark Mark)> _exitedBy = [];

    private void TrackVmSequence(VmOp op, VmSpec vm, int vcpu, SyntaxNode opNode, string path)
    {
        if (op is not (VmOp.Enter or VmOp.Exit))
        {
            return;
        }

        var cpu = vm.VcpuCpus[vcpu];
        var stepPath = path.IndexOf('.') is var dot and > 0 ? path[..dot] : path;
        var current = _enteredOnCpu.TryGetValue(cpu, out var e) ? e : default((string Vm, int Vcpu, string Path, SourceMark Mark)?);
        var isThis = current is { } c && c.Vm == vm.Name && c.Vcpu == vcpu;
        if (op == VmOp.Enter)
        {
            if (current is { } other && !isThis)
            {
                throw _errors.At(
                    ErrorCodes.Conflict,
                    opNode,
                    $"{stepPath} enters VM '{vm.Name}' vCPU {vcpu} on CPU {cpu}, but VM '{other.Vm}' vCPU {other.Vcpu} was entered there at {other.Path} ({other.Mark}) and no step exited it; a CPU runs one vCPU at a time: exit it first with {{vm: {{op: exit, vm: {other.Vm}, vcpu: {other.Vcpu}}}}}");
            }

            _enteredOnCpu[cpu] = (vm.Name, vcpu, stepPath, opNode.Mark);
            return;
        }

        if (!isThis)
        {
            var why = _exitedBy.TryGetValue((vm.Name, vcpu), out var x)
                ? $"it was exited at {x.Path} ({x.Mark}) and no step entered it since"
                : "no earlier step entered it";
            throw _errors.At(ErrorCodes.Conflict, opNode, $"{stepPath} exits VM '{vm.Name}' vCPU {vcpu}, but {why} (an exit is a guest HLT, which needs the vCPU in guest mode)");
        }

        _enteredOnCpu.Remove(cpu);
        _exitedBy[(vm.Name, vcpu)] = (stepPath, opNode.Mark);
    }
}
