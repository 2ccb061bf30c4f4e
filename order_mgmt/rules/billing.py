"""Invoice status and payment status of an order (R7). Pure Python, no Frappe import."""

from __future__ import annotations

from dataclasses import dataclass

NOT_INVOICED, PART_INVOICED, INVOICED = "Not invoiced", "Part invoiced", "Invoiced"
NOT_PAID, PART_PAID, PAID = "Not paid", "Part paid", "Paid"

#: amounts closer than this to a bound count as the bound (currency rounding)
EPS = 0.005


@dataclass(frozen=True)
class Invoice:
	"""A Sales Invoice's share of the order. Returns, credit notes, drafts and cancelled invoices are not
	counted: pass them and they are ignored."""

	#: net amount of the invoice lines that belong to the order
	net_amount: float
	#: invoice total (with taxes) that belongs to the order
	grand_total: float
	#: what is still unpaid of that total
	outstanding: float
	docstatus: int = 1
	is_return: bool = False

	@property
	def counts(self) -> bool:
		return self.docstatus == 1 and not self.is_return and self.net_amount > 0


@dataclass(frozen=True)
class Billing:
	invoice_status: str
	per_invoiced: float
	invoiced_amount: float
	payment_status: str
	per_paid: float
	paid_amount: float
	outstanding_amount: float


def percent(part: float, whole: float) -> float:
	"""`part` of `whole` in %, rounded to 2 decimals (1/3 -> 33.33); 0 when there is no whole."""
	if whole <= EPS:
		return 0.0
	return round(100.0 * part / whole + 1e-9, 2)


def invoice_status(order_net_total: float, invoiced_net: float) -> tuple[str, float]:
	"""Not invoiced / Part invoiced (x %) / Invoiced. Over-billing (within ERPNext's allowance) is
	Invoiced, shown with its real percentage."""
	if invoiced_net <= EPS:
		return NOT_INVOICED, 0.0
	if invoiced_net >= order_net_total - EPS:
		return INVOICED, percent(invoiced_net, order_net_total) if order_net_total > EPS else 100.0
	return PART_INVOICED, percent(invoiced_net, order_net_total)


def payment_status(invoiced_total: float, paid: float, order_total: float) -> tuple[str, float]:
	"""Not paid / Part paid (x %) / Paid: the share of the invoiced total that is paid. Before any
	invoice, an advance is measured against the order's total."""
	base = invoiced_total if invoiced_total > EPS else order_total
	if paid <= EPS:
		return NOT_PAID, 0.0
	if invoiced_total > EPS and paid >= invoiced_total - EPS:
		return PAID, min(percent(paid, invoiced_total), 100.0)
	return PART_PAID, min(percent(paid, base), 100.0)


def billing(
	order_net_total: float,
	order_grand_total: float,
	invoices: list[Invoice],
	unallocated_advance: float = 0.0,
) -> Billing:
	"""Everything R7 shows for one order.

	`unallocated_advance`: payments against the order's Sales Order that no invoice has taken yet
	(an advance allocated to an invoice is already in that invoice's outstanding)."""
	counted = [i for i in invoices if i.counts]
	invoiced_net = sum(i.net_amount for i in counted)
	invoiced_total = round(sum(i.grand_total for i in counted), 2)
	paid_on_invoices = sum(i.grand_total - i.outstanding for i in counted)
	paid = round(max(paid_on_invoices, 0.0) + max(unallocated_advance, 0.0), 2)
	inv_status, per_invoiced = invoice_status(order_net_total, invoiced_net)
	pay_status, per_paid = payment_status(invoiced_total, paid, order_grand_total)
	outstanding = round(max(sum(i.outstanding for i in counted) - max(unallocated_advance, 0.0), 0.0), 2)
	return Billing(inv_status, per_invoiced, invoiced_total, pay_status, per_paid, paid, outstanding)
