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

#: worst first: the order shows the worst status among its lines
SEVERITY = (
	NOT_ENOUGH,
	NOT_BOOKED,
	DELAYED,
	POSSIBLY_DELAYED,
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
