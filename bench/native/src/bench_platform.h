/*
 * The benchmark platform shared by the kernels: one CPU, its interrupt statistics (irq_cpustat_t of
 * arch/x86/include/asm/hardirq.h, widened to 64 bits like the C# /proc/interrupts counters), and the "APIC" the
 * dispatch kernels EOI. It mirrors src/IrqLab/Benchmarks/BenchKernelPlatform.cs: the loop marks the vector in service
 * (the CPU's acknowledge) and apic_eoi() clears the highest in-service bit of one 64-bit word and counts the EOI.
 */
#ifndef IRQLAB_BENCH_PLATFORM_H
#define IRQLAB_BENCH_PLATFORM_H

#include <stdint.h>

#define NR_CPUS 1
#define NR_VECTORS 256
#define FIRST_EXTERNAL_VECTOR 0x20

typedef struct {
	uint64_t apic_timer_irqs;		/* LOC */
	uint64_t irq_spurious_count;		/* SPU */
	uint64_t apic_irq_work_irqs;		/* IWI */
	uint64_t x86_platform_ipis;		/* PLT */
	uint64_t irq_resched_count;		/* RES */
	uint64_t irq_call_count;		/* CAL */
	uint64_t irq_err_count;			/* ERR (a global atomic_t in the kernel) */
	uint64_t kvm_posted_intr_ipis;		/* PIN */
	uint64_t kvm_posted_intr_wakeup_ipis;	/* PIW */
	uint64_t kvm_posted_intr_nested_ipis;	/* NPI */
	uint64_t posted_msi_notification_count; /* PMN */
	uint64_t irq_thermal_count;		/* TRM */
	uint64_t irq_threshold_count;		/* THR */
	uint64_t irq_deferred_error_count;	/* DFR */
} irq_cpustat_t;

struct bench_apic {
	uint64_t isr;
	uint64_t eoi_count;
	uint32_t esr;		/* as last latched by an APIC_ESR write */
	uint32_t esr_pending;	/* errors collected since (none in the benchmark) */
	uint32_t spiv;		/* APIC_SPIV as last written (sysvec_reboot clears the enable bit) */
	uint64_t halts;		/* bench_halt_forever() calls: the benchmark CPU goes on */
};

/* arch/x86/include/asm/apicdef.h */
#define APIC_LVR 0x30
#define APIC_SPIV 0xF0
#define APIC_SPIV_APIC_ENABLED (1u << 8)
#define APIC_ESR 0x280
#define APIC_LVTT 0x320
#define APIC_LVTTHMR 0x330
#define APIC_LVTPC 0x340
#define APIC_LVT0 0x350
#define APIC_LVT1 0x360
#define APIC_LVTERR 0x370
#define APIC_LVT_MASKED (1u << 16)
/* APIC_SPIV as Linux programs it: software-enabled, spurious vector 0xFF. */
#define BENCH_LINUX_SPIV 0x1FFu
#define GET_APIC_MAXLVT(x) (((x) >> 16) & 0xFFu)
/* APIC_LVR as the model's local APIC reads it (src/IrqLab/Hardware/Apic/ApicConst.cs ApicVersion): max LVT 6. */
#define BENCH_APIC_VERSION 0x01060014u

struct pt_regs {
	unsigned long vector; /* FRED: regs->fred_ss.vector */
};

extern irq_cpustat_t irq_stat[NR_CPUS];
extern struct bench_apic bench_apic[NR_CPUS];

static inline int smp_processor_id(void)
{
	return 0;
}

#define this_cpu_inc_stat(field) (irq_stat[smp_processor_id()].field++)

/* The CPU acknowledged `vector`: it is in service until the handler's EOI. */
static inline void bench_mark_in_service(unsigned int vector)
{
	bench_apic[smp_processor_id()].isr |= 1ULL << (vector & 63);
}

static inline int bench_isr_is_set(unsigned int vector)
{
	return (int)((bench_apic[smp_processor_id()].isr >> (vector & 63)) & 1);
}

/* apic_eoi(): the highest in-service bit is cleared. */
static inline void apic_eoi(void)
{
	struct bench_apic *apic = &bench_apic[smp_processor_id()];
	uint64_t isr = apic->isr;

	if (isr)
		apic->isr = isr & ~(1ULL << (63 - __builtin_clzll(isr)));
	apic->eoi_count++;
}

/* apic_read(): a register read is an MMIO load, hence volatile (native_apic_mem_read). */
static inline uint32_t apic_read(uint32_t reg)
{
	struct bench_apic *apic = &bench_apic[smp_processor_id()];

	switch (reg) {
	case APIC_LVR:
		return BENCH_APIC_VERSION;
	case APIC_ESR:
		return *(volatile uint32_t *)&apic->esr;
	case APIC_SPIV:
		return *(volatile uint32_t *)&apic->spiv;
	default:
		return 0;
	}
}

/* apic_write(): an APIC_ESR write latches the collected errors into ESR (SDM Vol. 3A 11.5.3). */
static inline void apic_write(uint32_t reg, uint32_t v)
{
	struct bench_apic *apic = &bench_apic[smp_processor_id()];

	if (reg == APIC_ESR) {
		*(volatile uint32_t *)&apic->esr = apic->esr_pending;
		apic->esr_pending = 0;
	} else if (reg == APIC_SPIV) {
		*(volatile uint32_t *)&apic->spiv = v;
	}
}

/* The end of stop_this_cpu(): for (;;) native_halt(). The benchmark counts it and goes on. */
static inline void bench_halt_forever(void)
{
	bench_apic[smp_processor_id()].halts++;
}

/* lapic_get_maxlvt() on x86-64, where lapic_is_integrated() is always true. */
static inline int lapic_get_maxlvt(void)
{
	return (int)GET_APIC_MAXLVT(apic_read(APIC_LVR));
}

void bench_platform_reset(void);

/* FNV-1a over 64-bit words: the checksum both sides fold their final state into, in the same order. */
#define CHECKSUM_INIT 0xcbf29ce484222325ULL

static inline uint64_t checksum_fold(uint64_t h, uint64_t v)
{
	return (h ^ v) * 0x100000001b3ULL;
}

uint64_t bench_now_ns(void);

#endif /* IRQLAB_BENCH_PLATFORM_H */
