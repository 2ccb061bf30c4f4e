"""Product (line) status and its roll-up per order (R3). Pure Python, no Frappe import."""

from __future__ import annotations

from dataclasses import dataclass

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

EPS = 1e-9


@dataclass(frozen=True)
class LineFacts:
	"""One order line, in stock units."""

	ordered: float
	delivered: float = 0.0
	#: held for the line by reservation entries and still in stock
	reserved: float = 0.0
	is_stock_item: bool = True


def line_status(line: LineFacts) -> str:
	"""Delivered / Ready for shipment / Not booked, from deliveries and reservations."""
	pending = line.ordered - line.delivered
	if pending <= EPS:
		return DELIVERED
	if not line.is_stock_item:
		return READY_FOR_SHIPMENT
	if line.reserved >= pending - EPS:
		return READY_FOR_SHIPMENT
	return NOT_BOOKED


def order_status(line_statuses: list[str]) -> str:
	"""The order's product status: the worst of its lines ('' for an order without lines)."""
	if not line_statuses:
		return ""
	return min(line_statuses, key=SEVERITY.index)
