namespace IrqLab.Scenarios.Model;

/// <summary><c>kernel.delivery</c>.</summary>
public enum DeliveryKind
{
    /// <summary>IDT gates.</summary>
    Idt,

    /// <summary>FRED event delivery.</summary>
    Fred,
}
