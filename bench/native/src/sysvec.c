/*
 * external_interrupt() and the system vector table (arch/x86/entry/entry_fred.c: fred_extint(), sysvec_table[]), with
 * the handler bodies of src/IrqLab/Kernel/KernelModel.Dispatch.cs (RunSysvec): count the /proc/interrupts row and EOI.
 */
#include <stddef.h>

#include "dispatch.h"

typedef void (*idtentry_t)(struct pt_regs *regs);

/*
 * array_index_nospec() (include/linux/nospec.h, x86 array_index_mask_nospec): a mask of all ones when index < size,
 * zero otherwise, computed without a branch so a mispredicted bounds check cannot read past the table.
 */
static inline unsigned long array_index_mask_nospec(unsigned long index, unsigned long size)
{
	unsigned long mask;

#if defined(__x86_64__)
	__asm__ volatile("cmp %1,%2; sbb %0,%0;" : "=r"(mask) : "g"(size), "r"(index) : "cc");
#else
	mask = (unsigned long)(~(long)(index | (size - 1UL - index)) >> (sizeof(long) * 8 - 1));
#endif
	return mask;
}

static inline unsigned long array_index_nospec(unsigned long index, unsigned long size)
{
	return index & array_index_mask_nospec(index, size);
}

/* handle_spurious_interrupt(): count, EOI only when the vector really is in service ("Acked"). */
static void fred_handle_spurious_interrupt(struct pt_regs *regs)
{
	this_cpu_inc_stat(irq_spurious_count);
	if (bench_isr_is_set((unsigned int)regs->vector))
		apic_eoi();
}

static void fred_sysvec_spurious_apic_interrupt(struct pt_regs *regs)
{
	(void)regs;
	this_cpu_inc_stat(irq_spurious_count);
}

/* sysvec_error_interrupt(): latch and read ESR, EOI, count; the apic_printk(APIC_DEBUG) report is off by default. */
static void fred_sysvec_error_interrupt(struct pt_regs *regs)
{
	(void)regs;
	if (lapic_get_maxlvt() > 3)
		apic_write(APIC_ESR, 0);
	(void)apic_read(APIC_ESR);
	apic_eoi();
	this_cpu_inc_stat(irq_err_count);
}

static void fred_sysvec_reschedule_ipi(struct pt_regs *regs)
{
	(void)regs;
	apic_eoi();
	this_cpu_inc_stat(irq_resched_count);
}

static void fred_sysvec_call_function(struct pt_regs *regs)
{
	(void)regs;
	apic_eoi();
	this_cpu_inc_stat(irq_call_count);
}

static void fred_sysvec_call_function_single(struct pt_regs *regs)
{
	(void)regs;
	apic_eoi();
	this_cpu_inc_stat(irq_call_count);
}

static void fred_sysvec_thermal(struct pt_regs *regs)
{
	(void)regs;
	this_cpu_inc_stat(irq_thermal_count);
	apic_eoi();
}

static void fred_sysvec_threshold(struct pt_regs *regs)
{
	(void)regs;
	this_cpu_inc_stat(irq_threshold_count);
	apic_eoi();
}

static void fred_sysvec_deferred_error(struct pt_regs *regs)
{
	(void)regs;
	this_cpu_inc_stat(irq_deferred_error_count);
	apic_eoi();
}

/*
 * clear_local_APIC() (arch/x86/kernel/apic/apic.c): mask LVTERR first, OR the mask into LVTT, LVT0, LVT1, LVTPC and
 * (X86_THERMAL_VECTOR, on in the benchmark's default Kconfig) the thermal entry, then write the entries as
 * APIC_LVT_MASKED alone, then latch and read ESR. As KernelModel.ClearLocalApic.
 */
static void clear_local_APIC(void)
{
	int maxlvt = lapic_get_maxlvt();
	uint32_t v;

	if (maxlvt >= 3)
		apic_write(APIC_LVTERR, ERROR_APIC_VECTOR | APIC_LVT_MASKED);
	v = apic_read(APIC_LVTT);
	apic_write(APIC_LVTT, v | APIC_LVT_MASKED);
	v = apic_read(APIC_LVT0);
	apic_write(APIC_LVT0, v | APIC_LVT_MASKED);
	v = apic_read(APIC_LVT1);
	apic_write(APIC_LVT1, v | APIC_LVT_MASKED);
	if (maxlvt >= 4) {
		v = apic_read(APIC_LVTPC);
		apic_write(APIC_LVTPC, v | APIC_LVT_MASKED);
	}
	if (maxlvt >= 5) {
		v = apic_read(APIC_LVTTHMR);
		apic_write(APIC_LVTTHMR, v | APIC_LVT_MASKED);
	}
	apic_write(APIC_LVTT, APIC_LVT_MASKED);
	apic_write(APIC_LVT0, APIC_LVT_MASKED);
	apic_write(APIC_LVT1, APIC_LVT_MASKED);
	if (maxlvt >= 3)
		apic_write(APIC_LVTERR, APIC_LVT_MASKED);
	if (maxlvt >= 4)
		apic_write(APIC_LVTPC, APIC_LVT_MASKED);
	if (maxlvt > 3)
		apic_write(APIC_ESR, 0);
	(void)apic_read(APIC_ESR);
}

/*
 * sysvec_reboot(): EOI, then stop_this_cpu(): disable_local_APIC() -> apic_soft_disable(): clear_local_APIC(), then
 * the SPIV enable bit cleared, then halt for good.
 */
static void fred_sysvec_reboot(struct pt_regs *regs)
{
	(void)regs;
	apic_eoi();
	clear_local_APIC();
	apic_write(APIC_SPIV, apic_read(APIC_SPIV) & ~APIC_SPIV_APIC_ENABLED);
	bench_halt_forever();
}

static void fred_sysvec_x86_platform_ipi(struct pt_regs *regs)
{
	(void)regs;
	apic_eoi();
	this_cpu_inc_stat(x86_platform_ipis);
}

static void fred_sysvec_irq_work(struct pt_regs *regs)
{
	(void)regs;
	apic_eoi();
	this_cpu_inc_stat(apic_irq_work_irqs);
}

static void fred_sysvec_kvm_posted_intr_ipi(struct pt_regs *regs)
{
	(void)regs;
	apic_eoi();
	this_cpu_inc_stat(kvm_posted_intr_ipis);
}

static void fred_sysvec_kvm_posted_intr_wakeup_ipi(struct pt_regs *regs)
{
	(void)regs;
	apic_eoi();
	this_cpu_inc_stat(kvm_posted_intr_wakeup_ipis);
}

static void fred_sysvec_kvm_posted_intr_nested_ipi(struct pt_regs *regs)
{
	(void)regs;
	apic_eoi();
	this_cpu_inc_stat(kvm_posted_intr_nested_ipis);
}

static void fred_sysvec_apic_timer_interrupt(struct pt_regs *regs)
{
	(void)regs;
	apic_eoi();
	this_cpu_inc_stat(apic_timer_irqs);
}

static void fred_sysvec_posted_msi_notification(struct pt_regs *regs)
{
	(void)regs;
	this_cpu_inc_stat(posted_msi_notification_count);
	apic_eoi();
}

#define SYSVEC(vector, function) [vector - FIRST_SYSTEM_VECTOR] = fred_##function

/* Static entries per Kconfig; the empty slots get the spurious handler at setup (fred_complete_exception_setup()). */
static idtentry_t sysvec_table[NR_SYSTEM_VECTORS] = {
	SYSVEC(ERROR_APIC_VECTOR, sysvec_error_interrupt),
	SYSVEC(SPURIOUS_APIC_VECTOR, sysvec_spurious_apic_interrupt),
	SYSVEC(LOCAL_TIMER_VECTOR, sysvec_apic_timer_interrupt),
	SYSVEC(X86_PLATFORM_IPI_VECTOR, sysvec_x86_platform_ipi),
	SYSVEC(RESCHEDULE_VECTOR, sysvec_reschedule_ipi),
	SYSVEC(CALL_FUNCTION_SINGLE_VECTOR, sysvec_call_function_single),
	SYSVEC(CALL_FUNCTION_VECTOR, sysvec_call_function),
	SYSVEC(REBOOT_VECTOR, sysvec_reboot),
	SYSVEC(THRESHOLD_APIC_VECTOR, sysvec_threshold),
	SYSVEC(DEFERRED_ERROR_VECTOR, sysvec_deferred_error),
	SYSVEC(THERMAL_APIC_VECTOR, sysvec_thermal),
	SYSVEC(IRQ_WORK_VECTOR, sysvec_irq_work),
	SYSVEC(POSTED_INTR_VECTOR, sysvec_kvm_posted_intr_ipi),
	SYSVEC(POSTED_INTR_WAKEUP_VECTOR, sysvec_kvm_posted_intr_wakeup_ipi),
	SYSVEC(POSTED_INTR_NESTED_VECTOR, sysvec_kvm_posted_intr_nested_ipi),
	SYSVEC(POSTED_MSI_NOTIFICATION_VECTOR, sysvec_posted_msi_notification),
};

void sysvec_table_init(void)
{
	for (size_t i = 0; i < NR_SYSTEM_VECTORS; i++) {
		if (!sysvec_table[i])
			sysvec_table[i] = fred_handle_spurious_interrupt;
	}
}

/* fred_extint() */
void external_interrupt(struct pt_regs *regs)
{
	unsigned long vector = regs->vector;
	unsigned long index = array_index_nospec(vector - FIRST_SYSTEM_VECTOR, NR_SYSTEM_VECTORS);

	if (__builtin_expect(vector < FIRST_EXTERNAL_VECTOR, 0))
		return;

	if (__builtin_expect(vector >= FIRST_SYSTEM_VECTOR, 1))
		sysvec_table[index](regs);
	else
		common_interrupt(regs, vector);
}
