"""Product statuses (R3) and their roll-up per order. Pure Python, no Frappe import.

A line's status is computed from its sources in `order_mgmt.rules.sources.line_status`."""

from __future__ import annotations

NOT_BOOKED = "Not booked"
NOT_ENOUGH = "Not enough"
REQUESTED = "Requested"
EXPECTED_ON_TIME = "Expected on time"
POSSIBLY_DELAYED = "Possibly delayed"
DELAYED = "Delayed"
READY_FOR_SHIPMENT = "Ready for shipment"
DELIVERED = "Delivered"

#: worst first: the order shows the worst status among its lines. Lateness comes first, so that an order
#: with a late line always shows it (see LATE).
SEVERITY = (
	DELAYED,
	POSSIBLY_DELAYED,
	NOT_ENOUGH,
	NOT_BOOKED,
	REQUESTED,
	EXPECTED_ON_TIME,
	READY_FOR_SHIPMENT,
	DELIVERED,
)


def order_status(line_statuses: list[str]) -> str:
	"""The order's product status: the worst of its lines ('' for an order without lines)."""
	if not line_statuses:
		return ""
	return min(line_statuses, key=SEVERITY.index)


#: The one definition of "late" (R3, R11): a line is late, or at risk, when its product status is one of
#: these — which `order_mgmt.rules.sources.line_status` gives to every line past its delivery date and not
#: received (in stock and reserved counts as received: Ready for shipment). An order is late when one of
#: its lines is, which is exactly when its product status (the worst of its lines) is one of these. The
#: order's roll-up, the *Delayed Orders* number card and the *Delayed Orders* report all use it.
LATE = (DELAYED, POSSIBLY_DELAYED)


def is_late(status: str) -> bool:
	"""Whether a line's or an order's product status says it is late or at risk."""
	return status in LATE
