namespace IrqLab.Scenarios.Model;

/// <summary><c>{vm: {op, vm, vcpu, type, vector, error_code}}</c>.</summary>
/// <param name="Op">enter, exit, inject or post.</param>
/// <param name="Vm">VM name.</param>
/// <param name="Vcpu">vCPU index.</param>
/// <param name="Type">For inject: the event type name (<c>ext_int</c>, <c>nmi</c>, <c>hw_exc</c>, <c>sw_int</c>, <c>priv_sw_exc</c>, <c>sw_exc</c>, <c>other</c>).</param>
/// <param name="Vector">Vector for inject and post.</param>
/// <param name="ErrorCode">Error code for inject, when one is delivered.</param>
public sealed record VmStep(VmOp Op, string Vm, int Vcpu, string? Type, int? Vector, ulong? ErrorCode) : Step;
