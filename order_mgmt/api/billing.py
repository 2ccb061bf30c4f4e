"""Invoicing and payment of a Customer Order (R7), through ERPNext's own mappers and Payment Entry.

REST: `POST /api/method/order_mgmt.api.billing.<action>` (the former `order_mgmt.api.fulfilment.<action>`
paths stay valid)."""

import math

import frappe
from frappe import _
from frappe.utils import flt

from order_mgmt.api.common import ACTIVE, chosen_lines, invalid, order_for
from order_mgmt.figures import intake, money
from order_mgmt.permissions import assert_may_create
from order_mgmt.rules import billing, pipeline
from order_mgmt.services.transactions import one_action


@frappe.whitelist(methods=["POST"])
@one_action
def make_sales_invoice(
	name: str | None = None,
	items: str | list | dict | None = None,
	percent: float | None = None,
	submit: int | bool = 0,
) -> dict:
	"""A Sales Invoice for the order through ERPNext's mapper: what is still to bill, `percent` of each
	line's quantity, or `items` = [{line|so_detail, qty}]. Units that must be whole (UOM "Must be Whole
	Number") are rounded to whole quantities when invoicing a percentage (`rounded` in the answer says
	which). Advances paid against the order's Sales Order are allocated by ERPNext (`set_advances`, only
	the payments made against this order)."""
	order = order_for(name, "write", "invoice")
	assert_may_create("Sales Invoice", submit=bool(submit))
	from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice as map_si

	si = map_si(order.sales_order)
	rounded = []
	if percent not in (None, ""):
		percent = flt(percent)
		if not 0 < percent <= 100:
			frappe.throw(_("The share to invoice must be between 0 and 100%."), title=_("Invalid Share"))
		ordered = {d.so_detail: flt(d.qty) for d in order.items}
		whole = _whole_number_uoms({row.uom for row in si.items})
		for row in si.items:
			share = flt(ordered.get(row.so_detail) * percent / 100, row.precision("qty"))
			qty = min(flt(row.qty), share)
			if row.uom in whole and qty != int(qty):
				qty = billing.whole_qty(qty, flt(row.qty))
				rounded.append({"so_detail": row.so_detail, "item_code": row.item_code, "qty": qty})
			row.qty = qty
	elif items not in (None, "", "null"):
		chosen, _w = chosen_lines(order, items)
		qty_by_so_detail = {d.so_detail: q for d, q in chosen}
		to_bill = {row.so_detail: flt(row.qty) for row in si.items}
		for d, q in chosen:
			if flt(q) > to_bill.get(d.so_detail, 0) + 1e-9:
				frappe.throw(
					_("Row {0}: {1} of {2} is more than the {3} still to invoice.").format(
						d.idx, flt(q), frappe.bold(d.item_code), to_bill.get(d.so_detail, 0)
					),
					title=_("Invalid Quantity"),
				)
		for row in si.items:
			row.qty = qty_by_so_detail.get(row.so_detail, 0)
	si.set("items", [row for row in si.items if flt(row.qty) > 0])
	if not si.items:
		frappe.throw(
			_("Everything of order {0} is invoiced already.").format(name), title=_("Nothing to Invoice")
		)
	si.run_method("calculate_taxes_and_totals")
	# the advances paid against this order, as ERPNext's "Get Advances Received" takes them (only payments
	# allocated to the order). The flags are not kept on the invoice: a credit note made from it would copy
	# them and take advances itself.
	si.only_include_allocated_payments = 1
	si.set_advances()
	si.only_include_allocated_payments = 0
	si.allocate_advances_automatically = 0
	si.insert()
	if submit:
		si.submit()
	if rounded:
		frappe.msgprint(
			_("Quantities in whole units were rounded: {0}").format(
				", ".join(f"{r['item_code']} {r['qty']:g}" for r in rounded)
			),
			alert=True,
		)
	return {
		"sales_invoice": si.name,
		"docstatus": si.docstatus,
		"grand_total": si.grand_total,
		"advance": flt(si.total_advance),
		"rounded": rounded,
	}


def _whole_number_uoms(uoms) -> set[str]:
	uoms = [u for u in uoms if u]
	if not uoms:
		return set()
	return set(frappe.get_all("UOM", filters={"name": ("in", uoms), "must_be_whole_number": 1}, pluck="name"))


@frappe.whitelist(methods=["POST"])
@one_action
def record_payment(
	name: str | None = None,
	amount: float | None = None,
	mode_of_payment: str | None = None,
	reference_no: str | None = None,
) -> dict:
	"""Record a payment through ERPNext's Payment Entry, in the receivable account's currency: against the
	order's open invoices, oldest first, and what is left as an advance against its Sales Order. `amount`
	defaults to what the order owes; it can never be more than the order will owe in all (its total less
	credit notes, payments and advances): an advance is never charged twice. Also on a delivered or
	archived order that still owes money."""
	order = order_for(name, "write")
	if order.docstatus != 1 or order.status not in ACTIVE | {pipeline.ARCHIVED}:
		frappe.throw(
			_(
				"Cannot record a payment for order {0}: it is {1}. Only a confirmed order can be worked on."
			).format(name, _(order.status)),
			title=_("Order Not Confirmed"),
		)
	assert_may_create("Payment Entry", submit=True)
	if amount not in (None, "") and not math.isfinite(flt(amount)):
		invalid(_("The amount must be a number."))
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

	figures = money.gather_money([order.sales_order]).get(order.sales_order)
	if not figures:
		frappe.throw(_("Order {0} has no Sales Order.").format(name), title=_("Order Not Confirmed"))
	owed = billing.billing(figures.money).outstanding_amount
	ceiling = billing.payable(figures.money)
	if amount in (None, ""):
		if owed <= billing.EPS:
			frappe.throw(_("Order {0} owes nothing at present.").format(name), title=_("Nothing Owed"))
		amount = owed
	amount = flt(amount, 2)
	if amount <= 0:
		frappe.throw(_("The amount to pay must be greater than 0."), title=_("Invalid Amount"))
	if amount > ceiling + billing.EPS:
		frappe.throw(
			_("Order {0} owes {1} {2} at most; a payment of {3} is more than that.").format(
				name, figures.currency, ceiling, amount
			),
			title=_("Payment Too High"),
		)
	parts, advance = billing.allocate(amount, figures.invoices, figures.invoice_debt)
	entries = [get_payment_entry("Sales Invoice", inv, party_amount=part) for inv, part in parts]
	if advance > billing.EPS:
		if frappe.db.get_value("Sales Order", order.sales_order, "per_billed") >= 99.99:
			frappe.throw(
				_("Order {0} is fully invoiced and its invoices owe less than {1}.").format(name, amount),
				title=_("Payment Too High"),
			)
		entries.append(get_payment_entry("Sales Order", order.sales_order, party_amount=advance))
	names = []
	for pe in entries:
		if mode_of_payment:
			pe.mode_of_payment = mode_of_payment
		pe.reference_no = reference_no or order.name
		pe.reference_date = pe.reference_date or frappe.utils.nowdate()
		pe.insert()
		pe.submit()
		names.append(pe.name)
	intake.flush()  # the order's figures after the payments, not before
	return {"payment_entries": names, **_billing_summary(order.name)}


def _billing_summary(name):
	return frappe.db.get_value("Customer Order", name, list(money.MONEY_FIELDS), as_dict=True)


@frappe.whitelist()
@frappe.read_only()
def customer_debt(customer: str | None = None) -> dict:
	"""A customer's submitted orders that owe money or hold a credit (delivered and archived ones too),
	with what each owes in its receivable currency, and the totals per currency (never added across
	currencies). `outstanding_amount` is the total when all are in one currency."""
	if not customer:
		frappe.throw(_("Name the customer whose debt you want to see."), title=_("Customer Missing"))
	if not frappe.has_permission("Customer Order", "read"):
		frappe.throw(_("Not permitted to read Customer Orders."), frappe.PermissionError)
	orders = frappe.get_list(
		"Customer Order",
		filters={"customer": customer, "docstatus": 1},
		fields=["name", "status", "order_date", "currency", "grand_total", *money.MONEY_FIELDS],
		order_by="order_date asc",
	)
	open_orders = [o for o in orders if abs(flt(o.outstanding_amount)) > billing.EPS]
	totals = {}
	for o in open_orders:
		cur = o.party_account_currency or o.currency
		totals[cur] = flt(totals.get(cur, 0.0) + flt(o.outstanding_amount), 2)
	return {
		"customer": customer,
		"orders": open_orders,
		"outstanding_by_currency": totals,
		"outstanding_amount": next(iter(totals.values()))
		if len(totals) == 1
		else (0.0 if not totals else None),
	}


# --- sources: work orders, purchase orders, material requests ----------------------------------------------
