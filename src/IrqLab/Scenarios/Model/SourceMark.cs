namespace IrqLab.Scenarios.Model;

/// <summary>A 1-based line and column in a scenario file, kept on every node so later checks can point at it.</summary>
/// <param name="Line">1-based line.</param>
/// <param name="Column">1-based column.</param>
public readonly record struct SourceMark(int Line, int Column)
{
    /// <summary>"line:column".</summary>
    public override string ToString() => $"{Line}:{Column}";
}
