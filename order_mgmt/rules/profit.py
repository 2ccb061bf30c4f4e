"""Profitability of an order (R10). Pure Python, no Frappe import.

Revenue is what is invoiced (net, without taxes) less what credit notes took back; costs are the cost of goods delivered, time, purchases
and other job costs booked to the order. Profit = revenue - total cost; margin = profit / revenue in %."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Costs:
	cost_of_goods: float = 0.0
	timesheet_cost: float = 0.0
	purchase_cost: float = 0.0
	other_cost: float = 0.0

	@property
	def total(self) -> float:
		return round(self.cost_of_goods + self.timesheet_cost + self.purchase_cost + self.other_cost, 2)


@dataclass(frozen=True)
class Profitability:
	revenue_amount: float
	total_cost: float
	profit_amount: float
	#: profit in % of revenue; None when nothing is invoiced yet (no margin to speak of)
	profit_margin: float | None


def profitability(revenue: float, costs: Costs, credited: float = 0.0) -> Profitability:
	"""Profit and margin of revenue against costs, in the company currency, rounded to 2 decimals.
	`credited`: the net amount of credit notes (a positive number), deducted from the revenue; the cost of
	goods comes in net of returned deliveries."""
	revenue = round(revenue - credited, 2)
	total = costs.total
	profit = round(revenue - total, 2)
	margin = round(100.0 * profit / revenue + 1e-9, 2) if abs(revenue) >= 0.005 else None
	return Profitability(revenue_amount=revenue, total_cost=total, profit_amount=profit, profit_margin=margin)
