"""Invoice status, payment status and what an order owes (R7). Pure Python, no Frappe import.

All amounts of one order are in one currency: the currency of the customer's receivable account (ERPNext's
`party_account_currency`, the currency its payment ledger keeps the invoices' outstanding in). That is the
order's currency, or the company's when ERPNext books invoices of another currency against a receivable in
the company currency.

- invoiced %: the order's line amounts billed by submitted invoices (credit notes not counted), each line
  at most its own amount, over the order's line amounts: ERPNext's `per_billed` (before any invoice-level
  discount, so an invoice that bills everything with an additional discount is 100 % invoiced);
- invoiced amount: the totals of those invoices; credited: the totals of their credit notes;
- outstanding: what ERPNext's payment ledger still holds against the invoices and credit notes, less the
  advances against the Sales Order that no invoice has taken (negative: the customer has a credit);
- paid: what payments (with their deductions and write-offs) and advances have settled:
  invoiced - credited - outstanding;
- paid %: paid over what is due (invoiced - credited); before any invoice, an advance is measured against
  the order's total.
"""

from __future__ import annotations

from dataclasses import dataclass

NOT_INVOICED, PART_INVOICED, INVOICED = "Not invoiced", "Part invoiced", "Invoiced"
NOT_PAID, PART_PAID, PAID = "Not paid", "Part paid", "Paid"

#: amounts closer than this to a bound count as the bound (currency rounding)
EPS = 0.005


@dataclass(frozen=True)
class Money:
	"""What ERPNext's documents and payment ledger say about one order (receivable currency)."""

	#: the order's grand total (rounded total when rounding is on)
	order_total: float = 0.0
	#: the order's line amounts (what ERPNext's per_billed is measured against) ...
	line_total: float = 0.0
	#: ... and how much of them submitted invoices bill (each line capped at its amount)
	billed_lines: float = 0.0
	#: totals of the submitted invoices that are not credit notes
	invoiced: float = 0.0
	#: totals of the submitted credit notes (a positive number)
	credited: float = 0.0
	#: payment ledger (not delinked) against those invoices and credit notes: still open
	ledger_outstanding: float = 0.0
	#: payments against the order's Sales Order that no invoice has taken (a positive number)
	advance: float = 0.0


@dataclass(frozen=True)
class Billing:
	invoice_status: str
	per_invoiced: float
	invoiced_amount: float
	payment_status: str
	per_paid: float
	paid_amount: float
	outstanding_amount: float
	credited_amount: float = 0.0


def percent(part: float, whole: float) -> float:
	"""`part` of `whole` in %, rounded to 2 decimals (1/3 -> 33.33); 0 when there is no whole."""
	if whole <= EPS:
		return 0.0
	return round(100.0 * part / whole + 1e-9, 2)


def invoice_status(order_amount: float, invoiced: float) -> tuple[str, float]:
	"""Not invoiced / Part invoiced (x %) / Invoiced. Over-billing (within ERPNext's allowance) is
	Invoiced, shown with its real percentage."""
	if invoiced <= EPS:
		return NOT_INVOICED, 0.0
	if invoiced >= order_amount - EPS:
		return INVOICED, percent(invoiced, order_amount) if order_amount > EPS else 100.0
	return PART_INVOICED, percent(invoiced, order_amount)


def payment_status(
	due: float, paid: float, order_total: float, invoiced: float | None = None
) -> tuple[str, float]:
	"""Not paid / Part paid (x %) / Paid: the share of what is due (invoiced less credit notes) that is
	paid. Before any invoice, an advance is measured against the order's total (never Paid: nothing is
	due yet). Invoiced and credited in full: nothing is owed, Paid."""
	invoiced = due if invoiced is None else invoiced
	if invoiced > EPS and due <= EPS:
		return PAID, 100.0
	if paid <= EPS:
		return NOT_PAID, 0.0
	if invoiced > EPS:
		if paid >= due - EPS:
			return PAID, 100.0
		return PART_PAID, min(percent(paid, due), 100.0)
	return PART_PAID, min(percent(paid, order_total), 100.0)


def billing(m: Money) -> Billing:
	"""Everything R7 shows for one order."""
	due = m.invoiced - m.credited
	outstanding = round(m.ledger_outstanding - m.advance, 2)
	paid = round(due - outstanding, 2)
	inv_status, per_invoiced = invoice_status(m.line_total, m.billed_lines)
	pay_status, per_paid = payment_status(due, paid, m.order_total, m.invoiced)
	return Billing(
		invoice_status=inv_status,
		per_invoiced=per_invoiced,
		invoiced_amount=round(m.invoiced, 2),
		payment_status=pay_status,
		per_paid=per_paid,
		paid_amount=paid,
		outstanding_amount=outstanding,
		credited_amount=round(m.credited, 2),
	)


def payable(m: Money) -> float:
	"""The most *Record Payment* may take for the order: what it will owe in all (its total, or what is
	invoiced when that is more), less credit notes, less what is paid already. Never negative."""
	b = billing(m)
	return round(max(max(m.order_total, m.invoiced) - m.credited - b.paid_amount, 0.0), 2)


def allocate(amount: float, open_invoices: list[tuple[str, float]], invoice_debt: float):
	"""Split a payment: the invoices' open amounts oldest first (`open_invoices` = [(invoice,
	outstanding)] in that order), at most `invoice_debt` in all (what the invoices and their credit notes
	still hold together); the rest is an advance against the Sales Order.
	Returns ([(invoice, part)], advance)."""
	parts, left = [], round(amount, 2)
	room = round(max(invoice_debt, 0.0), 2)
	for name, outstanding in open_invoices:
		part = round(min(left, outstanding, room), 2)
		if part <= EPS:
			continue
		parts.append((name, part))
		left, room = round(left - part, 2), round(room - part, 2)
	return parts, max(round(left, 2), 0.0)


def whole_qty(qty: float, ceiling: float) -> float:
	"""A share of a quantity in a unit that must be whole: rounded to the nearest whole number (half
	up), never above `ceiling` (what is left to invoice)."""
	whole = float(int(qty + 0.5 + 1e-9))
	return min(whole, float(int(ceiling + 1e-9)))
