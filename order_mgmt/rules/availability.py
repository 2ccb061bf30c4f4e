"""Availability and reservation arithmetic (R5). Pure Python, no Frappe import.

Numbers are in stock units for one item in one warehouse:
- in_stock: physically there (ERPNext's Bin.actual_qty);
- reserved_total: held by Stock Reservation Entries of all orders, net of deliveries (Bin.reserved_stock);
- reserved_own: the part of reserved_total held for the order (or line) at hand.
"""

from __future__ import annotations

from dataclasses import dataclass

EPS = 1e-9


def available_to_sell(in_stock: float, reserved_total: float) -> float:
	"""What can still be promised to anybody: in stock minus reserved for all orders (never below 0)."""
	return max(in_stock - reserved_total, 0.0)


def reserved_for_others(reserved_total: float, reserved_own: float) -> float:
	return max(reserved_total - reserved_own, 0.0)


def deliverable(in_stock: float, reserved_total: float, reserved_own: float) -> float:
	"""The most an order can take out of the warehouse: its own reservation plus what is free."""
	return max(in_stock - reserved_for_others(reserved_total, reserved_own), 0.0)


def takes_reserved_for_others(
	qty: float, in_stock: float, reserved_total: float, reserved_own: float
) -> bool:
	"""Would taking `qty` out of the warehouse use goods reserved for other orders (R5)? Only then does the
	app refuse a delivery. Taking more than is in stock when nothing is reserved for anybody else is not
	the app's to judge: stock going negative is ERPNext's decision (its Allow Negative Stock setting)."""
	over = qty > deliverable(in_stock, reserved_total, reserved_own) + EPS
	return over and reserved_for_others(reserved_total, reserved_own) > EPS


@dataclass(frozen=True)
class ReserveVerdict:
	qty: float
	#: why less than asked, or why nothing (English; translated by the caller)
	reason: str = ""


def to_reserve(
	unreserved_need: float, in_stock: float, reserved_total: float, requested: float | None = None
) -> ReserveVerdict:
	"""How much of a line to reserve now.

	`unreserved_need`: what the line still needs that is neither delivered nor reserved.
	`requested`: an explicit quantity; None means "as much as possible". An explicit quantity above the
	need or above what is free is refused (qty 0 with a reason); "as much as possible" takes what it can."""
	free = available_to_sell(in_stock, reserved_total)
	if requested is not None:
		if requested <= EPS:
			return ReserveVerdict(0.0, "The quantity to reserve must be greater than 0")
		if requested > unreserved_need + EPS:
			return ReserveVerdict(0.0, "more than the line still needs")
		if requested > free + EPS:
			return ReserveVerdict(0.0, "more than is free")
		return ReserveVerdict(requested)
	if unreserved_need <= EPS:
		return ReserveVerdict(0.0, "already reserved or delivered")
	if free <= EPS:
		return ReserveVerdict(0.0, "nothing free")
	return ReserveVerdict(min(unreserved_need, free))
