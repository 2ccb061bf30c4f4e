"""ERPNext documents of a confirmed order, made with ERPNext's own mappers (for report, print and
profitability tests; rolled back with the test)."""

import frappe
from frappe.utils import flt, nowdate

from tests.integration.factories import make_order


def confirmed_order(items: list[dict], **kw):
	"""A submitted Customer Order (and with it its submitted Sales Order)."""
	order = make_order(items=items, **kw)
	order.submit()
	return frappe.get_doc("Customer Order", order.name)


def deliver(order, qty: dict[str, float] | None = None, posting_date=None):
	"""A submitted Delivery Note of the order's Sales Order; `qty` by item code (default: all)."""
	from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note

	dn = make_delivery_note(order.sales_order)
	if qty is not None:
		for row in dn.items:
			row.qty = qty.get(row.item_code, 0)
		dn.set("items", [r for r in dn.items if flt(r.qty) > 0])
	if posting_date:
		dn.set_posting_time = 1
		dn.posting_date = posting_date
	dn.insert()
	dn.submit()
	return dn


def invoice(order, qty: dict[str, float] | None = None, posting_date=None):
	"""A submitted Sales Invoice of the order's Sales Order; `qty` by item code (default: all)."""
	from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice

	si = make_sales_invoice(order.sales_order)
	if qty is not None:
		for row in si.items:
			row.qty = qty.get(row.item_code, 0)
		si.set("items", [r for r in si.items if flt(r.qty) > 0])
	if posting_date:
		si.set_posting_time = 1
		si.posting_date = posting_date
		si.due_date = posting_date
	si.run_method("calculate_taxes_and_totals")
	si.insert()
	si.submit()
	return si


def pay(invoice_name: str, amount: float):
	"""A submitted Payment Entry (receive) of `amount` against a Sales Invoice."""
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

	pe = get_payment_entry("Sales Invoice", invoice_name, party_amount=amount)
	pe.reference_no = f"_T-{frappe.generate_hash(length=6)}"
	pe.reference_date = nowdate()
	pe.insert()
	pe.submit()
	return pe
