namespace IrqLab.Simulation.Output;

/// <summary>The outcome of one <c>expect</c> step.</summary>
/// <param name="Step">Index of the step in <c>steps</c> (0-based).</param>
/// <param name="Ok">Whether it held.</param>
/// <param name="Detail">What was expected and what was found.</param>
/// <param name="Line">Line of the step in the scenario file.</param>
public readonly record struct ExpectEntry(int Step, bool Ok, string Detail, int Line);
