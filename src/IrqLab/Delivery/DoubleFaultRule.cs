using IrqLab.Vectors;

namespace IrqLab.Delivery;

/// <summary>
/// The double-fault rule (SDM Vol. 3A §6.15 Interrupt 8, Tables 6-4 and 6-5; shared/reference/x86-events.md §1.2), with
/// the exception classes taken from <see cref="ExceptionTable"/>. KVM's <c>kvm_multiple_exception()</c> implements the
/// same table.
/// </summary>
public static class DoubleFaultRule
{
    /// <summary>
    /// Combines an exception <paramref name="secondVector"/> detected while delivering exception
    /// <paramref name="firstVector"/>. Vectors 32..255 (external interrupts, INT n) count as benign.
    /// </summary>
    public static DoubleFaultResolution Combine(int firstVector, int secondVector) =>
        Combine(ClassOf(firstVector), ClassOf(secondVector));

    /// <summary>
    /// Combines by class: a first #DF gives a triple fault; contributory+contributory and page-fault+(contributory or page
    /// fault) give #DF; all else is serial. For a first #DF the SDM (§6.15 Interrupt 8) names "another contributory or page
    /// fault exception" while calling the #DF handler (older editions: "another exception"); the benign case it leaves
    /// open is taken as shutdown too, as KVM's <c>kvm_multiple_exception()</c> does (the gate and stack faults of a
    /// delivery are contributory or #PF, so the simulator never meets it).
    /// </summary>
    public static DoubleFaultResolution Combine(DoubleFaultClass first, DoubleFaultClass second) => first switch
    {
        DoubleFaultClass.DoubleFault => DoubleFaultResolution.TripleFault,
        DoubleFaultClass.Contributory when second == DoubleFaultClass.Contributory => DoubleFaultResolution.DoubleFault,
        DoubleFaultClass.PageFault when second is DoubleFaultClass.Contributory or DoubleFaultClass.PageFault =>
            DoubleFaultResolution.DoubleFault,
        _ => DoubleFaultResolution.Serial,
    };

    /// <summary>The class of an exception vector; vectors outside 0..31 are benign.</summary>
    public static DoubleFaultClass ClassOf(int vector) =>
        (uint)vector < 32 ? ExceptionTable.All[vector].DoubleFaultClass : DoubleFaultClass.Benign;

    /// <summary>
    /// The class of an event being delivered: only hardware exceptions have their vector's class; NMI, INTR, INT n,
    /// INT1, INT3 and INTO are benign (Table 6-4: "all INT n, all INTR").
    /// </summary>
    public static DoubleFaultClass ClassOf(in CpuEvent ev) =>
        ev.Type == EventType.HardwareException ? ClassOf(ev.Vector) : DoubleFaultClass.Benign;
}
