namespace IrqLab.Scenarios;

/// <summary>The values of <see cref="ScenarioException.Code"/>.</summary>
public static class ErrorCodes
{
    /// <summary>The text is not well-formed YAML or JSON.</summary>
    public const string Syntax = "syntax";

    /// <summary>A key that the section does not define.</summary>
    public const string UnknownKey = "unknown_key";

    /// <summary>A value of the wrong kind (a list where a number is expected, a duration without a unit, ...).</summary>
    public const string Type = "type";

    /// <summary>A number outside its allowed range (negative, overflowing, a CPU that does not exist, ...).</summary>
    public const string Range = "range";

    /// <summary>A required key is absent.</summary>
    public const string MissingKey = "missing_key";

    /// <summary>A name that is not one of the allowed words or not declared (device, VM, register, vector constant).</summary>
    public const string UnknownName = "unknown_name";

    /// <summary>A key, device, VM or handler vector given twice.</summary>
    public const string Duplicate = "duplicate";

    /// <summary>Values that are fine alone but impossible together (FRED on 6.1, a shared edge line, ...).</summary>
    public const string Conflict = "conflict";

    /// <summary>The file cannot be read.</summary>
    public const string Io = "io";
}
