/* The Linux dispatch model in C: external_interrupt(), the system vector table, common_interrupt(). */
#ifndef IRQLAB_DISPATCH_H
#define IRQLAB_DISPATCH_H

#include "bench_platform.h"

/* Mainline, latest version, default Kconfig: POSTED_MSI_NOTIFICATION_VECTOR (0xeb) is the lowest system vector. */
#define FIRST_SYSTEM_VECTOR 0xeb
#define NR_SYSTEM_VECTORS (NR_VECTORS - FIRST_SYSTEM_VECTOR)

#define POSTED_MSI_NOTIFICATION_VECTOR 0xeb
#define LOCAL_TIMER_VECTOR 0xec
#define POSTED_INTR_NESTED_VECTOR 0xf0
#define POSTED_INTR_WAKEUP_VECTOR 0xf1
#define POSTED_INTR_VECTOR 0xf2
#define DEFERRED_ERROR_VECTOR 0xf4
#define IRQ_WORK_VECTOR 0xf6
#define X86_PLATFORM_IPI_VECTOR 0xf7
#define REBOOT_VECTOR 0xf8
#define THRESHOLD_APIC_VECTOR 0xf9
#define THERMAL_APIC_VECTOR 0xfa
#define CALL_FUNCTION_SINGLE_VECTOR 0xfb
#define CALL_FUNCTION_VECTOR 0xfc
#define RESCHEDULE_VECTOR 0xfd
#define ERROR_APIC_VECTOR 0xfe
#define SPURIOUS_APIC_VECTOR 0xff

void sysvec_table_init(void);
void external_interrupt(struct pt_regs *regs);
void common_interrupt(struct pt_regs *regs, unsigned long vector);

/* Installs the benchmark device (one MSI-X irq, edge flow, one action) at `vector` of this CPU's vector_irq[]. */
void bench_device_setup(unsigned int vector);
uint64_t bench_device_checksum(uint64_t h);

#endif /* IRQLAB_DISPATCH_H */
