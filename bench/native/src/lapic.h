/*
 * The local APIC's acceptance machinery (SDM Vol. 3A §11.8): 256-bit IRR/ISR/TMR as 4 x u64, PPR, acknowledge, EOI,
 * in the shape of src/IrqLab/Hardware/Apic/LocalApic.cs (Accept / AcceptFixed / Acknowledge / Eoi / UpdatePpr).
 */
#ifndef IRQLAB_LAPIC_H
#define IRQLAB_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

enum apic_delivery_mode {
	APIC_DM_FIXED = 0,
	APIC_DM_LOWEST = 1,
	APIC_DM_SMI = 2,
	APIC_DM_NMI = 4,
	APIC_DM_INIT = 5,
	APIC_DM_STARTUP = 6,
	APIC_DM_EXTINT = 7,
};

enum apic_mode { APIC_MODE_DISABLED, APIC_MODE_XAPIC, APIC_MODE_X2APIC };

struct interrupt_message {
	uint8_t vector;
	uint8_t delivery_mode;
	uint8_t dest_mode;
	bool level;
	bool assert;
	uint32_t destination;
};

enum accept_result { ACCEPT_ACCEPTED, ACCEPT_COALESCED, ACCEPT_DISCARDED, ACCEPT_ILLEGAL_VECTOR, ACCEPT_SIGNALED };

struct lapic;

struct lapic_host_ops {
	void (*interrupt_line_changed)(struct lapic *apic);
	void (*broadcast_eoi)(struct lapic *apic, int vector);
};

struct lapic {
	uint64_t irr[4];
	uint64_t isr[4];
	uint64_t tmr[4];
	uint8_t tpr;
	uint8_t ppr;
	uint32_t svr;
	uint32_t esr_pending;
	enum apic_mode mode;
	const struct lapic_host_ops *host;
	uint64_t accepted;
	uint64_t coalesced;
	uint64_t discarded;
	uint64_t illegal_vectors;
	uint64_t spurious;
	uint64_t eoi_count;
};

void lapic_init(struct lapic *apic, const struct lapic_host_ops *host);
int lapic_highest(const uint64_t words[4]);
enum accept_result lapic_accept(struct lapic *apic, const struct interrupt_message *msg);
int lapic_acknowledge(struct lapic *apic);
void lapic_eoi(struct lapic *apic);

#endif /* IRQLAB_LAPIC_H */
