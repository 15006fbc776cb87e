namespace IrqLab.Scenarios.Model;

/// <summary>Base of the <c>{expect: ...}</c> steps (SCENARIOS.md §7), checked by <c>irqlab check</c>.</summary>
public abstract record ExpectStep : Step;
