#include <string.h>

#include "lapic.h"

#define APIC_SVR_ENABLE 0x100u
#define APIC_SVR_SUPPRESS_EOI_BROADCAST 0x1000u
#define APIC_ESR_RECEIVE_ILLEGAL_VECTOR 0x40u

void lapic_init(struct lapic *apic, const struct lapic_host_ops *host)
{
	memset(apic, 0, sizeof(*apic));
	apic->mode = APIC_MODE_XAPIC;
	apic->svr = 0x1ff;
	apic->host = host;
}

/* The highest set bit of a 256-bit register, or -1: a four-word scan from the top. */
int lapic_highest(const uint64_t words[4])
{
	for (int w = 3; w >= 0; w--) {
		uint64_t bits = words[w];

		if (bits)
			return (w << 6) + 63 - __builtin_clzll(bits);
	}
	return -1;
}

static inline bool lapic_sw_enabled(const struct lapic *apic)
{
	return (apic->svr & APIC_SVR_ENABLE) != 0;
}

/* PPR from TPR and the highest in-service vector isrv (-1: none), SDM §11.8.3.1. */
static void lapic_set_ppr(struct lapic *apic, int isrv)
{
	int isr_class = isrv < 0 ? 0 : (isrv & 0xf0);

	apic->ppr = (apic->tpr & 0xf0) >= isr_class ? apic->tpr : (uint8_t)isr_class;
}

static void lapic_update_ppr(struct lapic *apic)
{
	lapic_set_ppr(apic, lapic_highest(apic->isr));
}

static enum accept_result lapic_accept_fixed(struct lapic *apic, int vector, bool level)
{
	int w = vector >> 6;
	uint64_t bit = 1ULL << (vector & 63);

	if (vector < 16) {
		apic->illegal_vectors++;
		apic->esr_pending |= APIC_ESR_RECEIVE_ILLEGAL_VECTOR;
		return ACCEPT_ILLEGAL_VECTOR;
	}

	if (!lapic_sw_enabled(apic)) {
		apic->discarded++;
		return ACCEPT_DISCARDED;
	}

	if (level)
		apic->tmr[w] |= bit;
	else
		apic->tmr[w] &= ~bit;

	if (apic->irr[w] & bit) {
		apic->coalesced++;
		return ACCEPT_COALESCED;
	}

	apic->irr[w] |= bit;
	apic->accepted++;
	apic->host->interrupt_line_changed(apic);
	return ACCEPT_ACCEPTED;
}

enum accept_result lapic_accept(struct lapic *apic, const struct interrupt_message *msg)
{
	if (apic->mode == APIC_MODE_DISABLED)
		return ACCEPT_DISCARDED;

	switch (msg->delivery_mode) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWEST:
		if (msg->level && !msg->assert)
			return ACCEPT_DISCARDED;
		return lapic_accept_fixed(apic, msg->vector, msg->level);
	default:
		/* NMI, SMI, INIT, SIPI, ExtINT are signalled to the CPU; the benchmarks send none. */
		return ACCEPT_SIGNALED;
	}
}

/* INTA (SDM §11.8.4): the highest IRR vector moves to ISR if its class beats the PPR class, else the spurious vector. */
int lapic_acknowledge(struct lapic *apic)
{
	int v = lapic_highest(apic->irr);
	uint64_t bit;

	if (v < 0 || apic->mode == APIC_MODE_DISABLED || !lapic_sw_enabled(apic) || (v & 0xf0) <= (apic->ppr & 0xf0)) {
		apic->spurious++;
		return (int)(apic->svr & 0xff);
	}

	bit = 1ULL << (v & 63);
	apic->irr[v >> 6] &= ~bit;
	apic->isr[v >> 6] |= bit;
	/* v's class is above the PPR class, hence above every vector in service: v is the new ISRV. */
	lapic_set_ppr(apic, v);
	apic->host->interrupt_line_changed(apic);
	return v;
}

/* EOI (SDM §11.8.5): clears the highest ISR bit; a TMR bit broadcasts the EOI to the IO-APICs. */
void lapic_eoi(struct lapic *apic)
{
	int v = lapic_highest(apic->isr);
	uint64_t bit;

	if (v < 0)
		return;

	bit = 1ULL << (v & 63);
	apic->isr[v >> 6] &= ~bit;
	apic->eoi_count++;
	lapic_update_ppr(apic);
	if (apic->tmr[v >> 6] & bit) {
		if (!(apic->svr & APIC_SVR_SUPPRESS_EOI_BROADCAST))
			apic->host->broadcast_eoi(apic, v);
	}
	apic->host->interrupt_line_changed(apic);
}
