/*
 * common_interrupt() (arch/x86/kernel/irq.c) with the per-CPU vector_irq[] table, struct irq_desc, handle_edge_irq()
 * (kernel/irq/chip.c), handle_irq_event() (kernel/irq/handle.c) and note_interrupt() (kernel/irq/spurious.c), in the
 * shape of src/IrqLab/Kernel/KernelModel.Flow.cs.
 */
#include <stdbool.h>
#include <stddef.h>

#include "dispatch.h"

typedef enum { IRQ_NONE = 0, IRQ_HANDLED = 1, IRQ_WAKE_THREAD = 2 } irqreturn_t;
typedef irqreturn_t (*irq_handler_t)(int irq, void *dev_id);

enum {
	IRQS_REPLAY = 0x40,
	IRQS_WAITING = 0x80,
	IRQS_PENDING = 0x200,
	IRQS_POLL_INPROGRESS = 0x08,
	IRQS_SPURIOUS_DISABLED = 0x800,
};

#define SPURIOUS_DEFERRED 0x80000000u

struct irqaction {
	irq_handler_t handler;
	void *dev_id;
	struct irqaction *next;
	unsigned int irq;
	unsigned int flags;
	const char *name;
};

struct irq_desc;
typedef void (*irq_flow_handler_t)(struct irq_desc *desc);

struct irq_desc {
	irq_flow_handler_t handle_irq;
	struct irqaction *action;
	uint64_t kstat_irqs[NR_CPUS];
	uint64_t tot_count;
	unsigned int istate;
	unsigned int irq;
	unsigned int depth;
	unsigned int irq_count;
	unsigned int irqs_unhandled;
	unsigned int threads_handled;
	unsigned int threads_handled_last;
	unsigned long last_unhandled;
	bool inprogress;
	bool disabled;
	bool masked;
};

/* VECTOR_UNUSED is NULL; VECTOR_SHUTDOWN and VECTOR_RETRIGGERED are error pointers. */
#define VECTOR_SHUTDOWN ((struct irq_desc *)-1L)
#define VECTOR_RETRIGGERED ((struct irq_desc *)-2L)
#define IS_ERR_OR_NULL(p) ((unsigned long)(p) >= (unsigned long)-4095L || !(p))

typedef struct irq_desc *vector_irq_t[NR_VECTORS];
static vector_irq_t vector_irq[NR_CPUS];

/* The benchmark device: one MSI-X vector, its action acknowledges the device. */
struct bench_device {
	uint64_t acks;
};

static struct bench_device bench_device;
static struct irqaction bench_action;
static struct irq_desc bench_desc;

static irqreturn_t bench_device_interrupt(int irq, void *dev_id)
{
	struct bench_device *dev = dev_id;

	(void)irq;
	dev->acks++;
	return IRQ_HANDLED;
}

static inline void kstat_incr_irqs_this_cpu(struct irq_desc *desc)
{
	desc->kstat_irqs[smp_processor_id()]++;
	desc->tot_count++;
}

static inline bool irq_may_run(struct irq_desc *desc)
{
	return !desc->inprogress && !(desc->istate & IRQS_POLL_INPROGRESS);
}

/* The PCI-MSI-X chip: masking is the MSI-X vector control bit (the bench device has no table to write). */
static void mask_irq(struct irq_desc *desc)
{
	desc->masked = true;
}

static void unmask_irq(struct irq_desc *desc)
{
	desc->masked = false;
}

/* apic_ack_edge() */
static inline void chip_ack(void)
{
	apic_eoi();
}

static void note_interrupt(struct irq_desc *desc, irqreturn_t action_ret)
{
	if (desc->istate & IRQS_POLL_INPROGRESS)
		return;

	if (action_ret & IRQ_WAKE_THREAD) {
		if (action_ret == IRQ_WAKE_THREAD) {
			unsigned int handled;

			if (!(desc->threads_handled_last & SPURIOUS_DEFERRED)) {
				desc->threads_handled_last |= SPURIOUS_DEFERRED;
				return;
			}
			handled = desc->threads_handled | SPURIOUS_DEFERRED;
			if (handled != desc->threads_handled_last) {
				action_ret = IRQ_HANDLED;
				desc->threads_handled_last = handled;
			} else {
				action_ret = IRQ_NONE;
			}
		} else {
			desc->threads_handled_last &= ~SPURIOUS_DEFERRED;
		}
	}

	if (action_ret == IRQ_NONE) {
		unsigned long jiffies = 0;

		if (jiffies > desc->last_unhandled + 100)
			desc->irqs_unhandled = 1;
		else
			desc->irqs_unhandled++;
		desc->last_unhandled = jiffies;
	}

	if (!desc->irqs_unhandled)
		return;

	desc->irq_count++;
	if (desc->irq_count < 100000)
		return;

	desc->irq_count = 0;
	if (desc->irqs_unhandled > 99900) {
		desc->istate |= IRQS_SPURIOUS_DISABLED;
		desc->depth++;
		desc->disabled = true;
	}
	desc->irqs_unhandled = 0;
}

/* __handle_irq_event_percpu() + note_interrupt(): every action in request order. */
static void handle_irq_event_percpu(struct irq_desc *desc)
{
	irqreturn_t retval = IRQ_NONE;

	for (struct irqaction *action = desc->action; action; action = action->next)
		retval |= action->handler((int)desc->irq, action->dev_id);

	note_interrupt(desc, retval);
}

static void handle_irq_event(struct irq_desc *desc)
{
	desc->istate &= ~IRQS_PENDING;
	desc->inprogress = true;
	handle_irq_event_percpu(desc);
	desc->inprogress = false;
}

static void handle_edge_irq(struct irq_desc *desc)
{
	desc->istate &= ~(IRQS_REPLAY | IRQS_WAITING);

	if (!irq_may_run(desc) || !desc->action || desc->disabled) {
		desc->istate |= IRQS_PENDING;
		mask_irq(desc);
		chip_ack();
		return;
	}

	kstat_incr_irqs_this_cpu(desc);
	chip_ack();

	do {
		if (!desc->action) {
			mask_irq(desc);
			return;
		}
		if ((desc->istate & IRQS_PENDING) && !desc->disabled && desc->masked)
			unmask_irq(desc);
		handle_irq_event(desc);
	} while ((desc->istate & IRQS_PENDING) && !desc->disabled);
}

void common_interrupt(struct pt_regs *regs, unsigned long vector)
{
	struct irq_desc *desc = vector_irq[smp_processor_id()][vector];

	(void)regs;
	if (__builtin_expect(!IS_ERR_OR_NULL(desc), 1)) {
		desc->handle_irq(desc);
		return;
	}

	/* reevaluate_vector(): a sentinel is reset to VECTOR_UNUSED; the rate-limited message is not modelled here. */
	if (desc)
		vector_irq[smp_processor_id()][vector] = NULL;
	apic_eoi();
}

void bench_device_setup(unsigned int vector)
{
	for (int cpu = 0; cpu < NR_CPUS; cpu++)
		for (int v = 0; v < NR_VECTORS; v++)
			vector_irq[cpu][v] = NULL;

	bench_device = (struct bench_device){ 0 };
	bench_action = (struct irqaction){ .handler = bench_device_interrupt, .dev_id = &bench_device,
					   .irq = 24, .name = "bench" };
	bench_desc = (struct irq_desc){ .handle_irq = handle_edge_irq, .action = &bench_action, .irq = 24 };
	vector_irq[smp_processor_id()][vector & (NR_VECTORS - 1)] = &bench_desc;
}

uint64_t bench_device_checksum(uint64_t h)
{
	h = checksum_fold(h, bench_desc.kstat_irqs[0]);
	h = checksum_fold(h, bench_desc.tot_count);
	h = checksum_fold(h, bench_device.acks);
	return h;
}
