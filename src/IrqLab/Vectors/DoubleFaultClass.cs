namespace IrqLab.Vectors;

/// <summary>The class an exception belongs to for the double-fault rule (SDM Vol. 3A Table 6-4).</summary>
public enum DoubleFaultClass
{
    /// <summary>Benign: never combines into #DF.</summary>
    Benign,

    /// <summary>Contributory: #DE, #TS, #NP, #SS, #GP, #CP.</summary>
    Contributory,

    /// <summary>Page fault class: #PF and #VE.</summary>
    PageFault,

    /// <summary>#DF itself: a further fault while delivering it shuts the CPU down (triple fault).</summary>
    DoubleFault,
}
