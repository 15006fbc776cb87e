/*
 * The timed loops. Each mirrors one C# kernel of src/IrqLab/Benchmarks (same input, same loop shape, same final-state
 * checksum, folded in the same order): reset, loop `iterations` times over the sequence, fold the state.
 */
#include "irqlab_native.h"

#include "dispatch.h"
#include "lapic.h"

static void bench_line_changed(struct lapic *apic)
{
	(void)apic;
}

static void bench_broadcast_eoi(struct lapic *apic, int vector)
{
	(void)apic;
	(void)vector;
}

static const struct lapic_host_ops bench_host = {
	.interrupt_line_changed = bench_line_changed,
	.broadcast_eoi = bench_broadcast_eoi,
};

static struct lapic bench_lapic;

static double ns_per_op(uint64_t t0, uint64_t t1, int count, int iterations)
{
	double ops = (double)count * (double)iterations;

	return ops > 0 ? (double)(t1 - t0) / ops : 0.0;
}

static uint64_t platform_checksum(uint64_t h)
{
	const irq_cpustat_t *s = &irq_stat[0];

	h = checksum_fold(h, s->apic_timer_irqs);
	h = checksum_fold(h, s->irq_spurious_count);
	h = checksum_fold(h, s->apic_irq_work_irqs);
	h = checksum_fold(h, s->x86_platform_ipis);
	h = checksum_fold(h, s->irq_resched_count);
	h = checksum_fold(h, s->irq_call_count);
	h = checksum_fold(h, s->irq_err_count);
	h = checksum_fold(h, s->kvm_posted_intr_ipis);
	h = checksum_fold(h, s->kvm_posted_intr_wakeup_ipis);
	h = checksum_fold(h, s->kvm_posted_intr_nested_ipis);
	h = checksum_fold(h, s->posted_msi_notification_count);
	h = checksum_fold(h, bench_apic[0].eoi_count);
	h = checksum_fold(h, bench_apic[0].isr);
	h = checksum_fold(h, bench_apic[0].halts);
	h = checksum_fold(h, bench_apic[0].spiv);
	return h;
}

static uint64_t lapic_checksum(const struct lapic *apic, uint64_t ack_sum)
{
	uint64_t h = CHECKSUM_INIT;

	h = checksum_fold(h, apic->accepted);
	h = checksum_fold(h, apic->coalesced);
	h = checksum_fold(h, apic->spurious);
	h = checksum_fold(h, apic->eoi_count);
	h = checksum_fold(h, ack_sum);
	for (int i = 0; i < 4; i++)
		h = checksum_fold(h, apic->irr[i]);
	for (int i = 0; i < 4; i++)
		h = checksum_fold(h, apic->isr[i]);
	h = checksum_fold(h, apic->ppr);
	return h;
}

int irqlab_native_abi_version(void)
{
	return IRQLAB_NATIVE_ABI;
}

int irqlab_native_first_system_vector(void)
{
	return FIRST_SYSTEM_VECTOR;
}

/* The timed loop both external_interrupt kernels share: mark the vector in service (as INTA would), dispatch. */
static inline double external_interrupt_loop(const uint8_t *vectors, int count, int iterations)
{
	struct pt_regs regs = { 0 };
	uint64_t t0, t1;

	t0 = bench_now_ns();
	for (int it = 0; it < iterations; it++) {
		for (int i = 0; i < count; i++) {
			unsigned int v = vectors[i];

			bench_mark_in_service(v);
			regs.vector = v;
			external_interrupt(&regs);
		}
	}
	t1 = bench_now_ns();
	return ns_per_op(t0, t1, count, iterations);
}

double irqlab_native_external_interrupt_system_vector(const uint8_t *vectors, int count, int iterations,
						      uint64_t *checksum)
{
	double ns;

	bench_platform_reset();
	sysvec_table_init();

	ns = external_interrupt_loop(vectors, count, iterations);

	*checksum = platform_checksum(CHECKSUM_INIT);
	return ns;
}

double irqlab_native_external_interrupt_device_vector(const uint8_t *vectors, int count, int iterations,
						      uint64_t *checksum)
{
	double ns;

	bench_platform_reset();
	sysvec_table_init();
	bench_device_setup(count > 0 ? vectors[0] : 0);

	ns = external_interrupt_loop(vectors, count, iterations);

	*checksum = bench_device_checksum(platform_checksum(CHECKSUM_INIT));
	return ns;
}

#define SCAN_BATCH 8

double irqlab_native_lapic_highest_priority_scan(const uint8_t *vectors, int count, int iterations,
						 uint64_t *checksum)
{
	struct lapic *apic = &bench_lapic;
	struct interrupt_message msg = { .delivery_mode = APIC_DM_FIXED, .assert = true };
	uint64_t ack_sum = 0;
	uint64_t t0, t1;

	lapic_init(apic, &bench_host);

	t0 = bench_now_ns();
	for (int it = 0; it < iterations; it++) {
		for (int i = 0; i < count; i += SCAN_BATCH) {
			int end = i + SCAN_BATCH < count ? i + SCAN_BATCH : count;

			for (int j = i; j < end; j++) {
				msg.vector = vectors[j];
				lapic_accept(apic, &msg);
			}

			while (lapic_highest(apic->irr) >= 0) {
				int nested = 0;
				int v;

				while ((v = lapic_highest(apic->irr)) >= 0 && (v & 0xf0) > (apic->ppr & 0xf0)) {
					ack_sum += (uint64_t)lapic_acknowledge(apic);
					nested++;
				}
				while (nested-- > 0)
					lapic_eoi(apic);
			}
		}
	}
	t1 = bench_now_ns();

	*checksum = lapic_checksum(apic, ack_sum);
	return ns_per_op(t0, t1, count, iterations);
}

double irqlab_native_lapic_accept_eoi(const uint8_t *vectors, int count, int iterations, uint64_t *checksum)
{
	struct lapic *apic = &bench_lapic;
	struct interrupt_message msg = { .delivery_mode = APIC_DM_FIXED, .assert = true };
	uint64_t ack_sum = 0;
	uint64_t t0, t1;

	lapic_init(apic, &bench_host);

	t0 = bench_now_ns();
	for (int it = 0; it < iterations; it++) {
		for (int i = 0; i < count; i++) {
			msg.vector = vectors[i];
			lapic_accept(apic, &msg);
			ack_sum += (uint64_t)lapic_acknowledge(apic);
			lapic_eoi(apic);
		}
	}
	t1 = bench_now_ns();

	*checksum = lapic_checksum(apic, ack_sum);
	return ns_per_op(t0, t1, count, iterations);
}
