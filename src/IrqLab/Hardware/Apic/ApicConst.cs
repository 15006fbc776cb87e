namespace IrqLab.Hardware.Apic;

/// <summary>Register offsets and bit fields of the local APIC (SDM Table 11-1, Figures 11-8, 11-12, 11-23).</summary>
internal static class ApicConst
{
    public const uint OffId = 0x020;
    public const uint OffVersion = 0x030;
    public const uint OffTpr = 0x080;
    public const uint OffApr = 0x090;
    public const uint OffPpr = 0x0A0;
    public const uint OffEoi = 0x0B0;
    public const uint OffRrd = 0x0C0;
    public const uint OffLdr = 0x0D0;
    public const uint OffDfr = 0x0E0;
    public const uint OffSvr = 0x0F0;
    public const uint OffIsr = 0x100;
    public const uint OffTmr = 0x180;
    public const uint OffIrr = 0x200;
    public const uint OffEsr = 0x280;
    public const uint OffLvtCmci = 0x2F0;
    public const uint OffIcrLow = 0x300;
    public const uint OffIcrHigh = 0x310;
    public const uint OffLvtTimer = 0x320;
    public const uint OffLvtError = 0x370;
    public const uint OffTimerInitial = 0x380;
    public const uint OffTimerCurrent = 0x390;
    public const uint OffTimerDivide = 0x3E0;
    public const uint OffSelfIpi = 0x3F0;

    public const uint MsrTsc = 0x10;
    public const uint MsrApicBase = 0x1B;
    public const uint MsrTscAdjust = 0x3B;
    public const uint MsrTscDeadline = 0x6E0;
    public const uint MsrX2ApicFirst = 0x800;
    public const uint MsrX2ApicLast = 0x8FF;
    public const uint MsrIcr = 0x830;
    public const uint MsrSelfIpi = 0x83F;

    public const ulong BaseBsp = 1UL << 8;
    public const ulong BaseExtd = 1UL << 10;
    public const ulong BaseEnable = 1UL << 11;
    public const ulong DefaultBaseAddress = 0xFEE00000UL;

    /// <summary>MAXPHYADDR assumed for the IA32_APIC_BASE reserved-bit check.</summary>
    public const int MaxPhysAddr = 46;

    /// <summary>Version 0x14 (integrated APIC, as KVM), max LVT index 6 (CMCI present), bit 24: EOI-broadcast
    /// suppression supported.</summary>
    public const uint ApicVersion = 0x0106_0014;

    public const uint SvrVectorMask = 0xFF;
    public const uint SvrEnable = 1 << 8;
    public const uint SvrSuppressEoiBroadcast = 1 << 12;

    /// <summary>SVR bits software can set. Bit 9 (focus processor checking) is reserved on Pentium 4 and later, which
    /// have no focus processor (SDM Figure 11-23, §11.6.2.4), so it reads 0. (KVM's SPIV write keeps bits 9:0, mask
    /// 0x3ff, but its lowest-priority arbitration never looks at bit 9 either.)</summary>
    public const uint SvrWritable = SvrVectorMask | SvrEnable | SvrSuppressEoiBroadcast;

    public const uint LvtVector = 0xFF;
    public const uint LvtDeliveryModeMask = 7 << 8;
    public const uint LvtDeliveryStatus = 1 << 12;
    public const uint LvtPolarity = 1 << 13;
    public const uint LvtRemoteIrr = 1 << 14;
    public const uint LvtLevel = 1 << 15;
    public const uint LvtMasked = 1 << 16;
    public const int LvtTimerModeShift = 17;

    public const int LvtTimer = 0;
    public const int LvtThermal = 1;
    public const int LvtPmc = 2;
    public const int LvtLint0 = 3;
    public const int LvtLint1 = 4;
    public const int LvtError = 5;
    public const int LvtCmci = 6;
    public const int LvtCount = 7;

    public const uint TimerModeOneShot = 0;
    public const uint TimerModePeriodic = 1;
    public const uint TimerModeTscDeadline = 2;
    public const uint TimerModeReserved = 3;

    public const uint IcrDestModeLogical = 1 << 11;
    public const uint IcrDeliveryStatus = 1 << 12;
    public const uint IcrLevelAssert = 1 << 14;
    public const uint IcrTriggerLevel = 1 << 15;
    public const uint IcrWritableLow = 0x000CCFFF;
    public const ulong X2ApicIcrReserved = 0xFFF3_2000UL;

    public const uint DivideWritable = 0xB;

    /// <summary>Writable bits of each LVT entry, indexed by LVT number (SDM Figure 11-8).</summary>
    public static uint LvtWritable(int lvt) => lvt switch
    {
        LvtTimer => 0x0007_00FF,
        LvtLint0 or LvtLint1 => 0x0001_A7FF,
        LvtError => 0x0001_00FF,
        _ => 0x0001_07FF,
    };

    /// <summary>Read-only bits of each LVT entry: a write of these is ignored, not reserved.</summary>
    public static uint LvtReadOnly(int lvt) =>
        lvt is LvtLint0 or LvtLint1 ? LvtDeliveryStatus | LvtRemoteIrr : LvtDeliveryStatus;
}
