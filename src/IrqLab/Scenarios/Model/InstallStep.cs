namespace IrqLab.Scenarios.Model;

/// <summary><c>{install: {vector, handler}}</c>: runtime system-vector install (linux mode, rules of <c>sysvec_install</c>).</summary>
public sealed record InstallStep(int Vector, string Handler) : Step;
