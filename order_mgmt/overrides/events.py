"""Document events of ERPNext's doctypes that move a Customer Order: each finds the order's Sales Orders
(one query at most) and hands them to the one recompute path."""

import frappe

from order_mgmt import fulfilment, stock_guard


def sales_order_changed(doc, method=None):
	"""Sales Order on_update_after_submit / on_change (ERPNext's status updates, Update Items)."""
	if doc.get("customer_order") and doc.docstatus == 1:
		fulfilment.recompute_for_sales_orders([doc.name])


def delivery_note_changed(doc, method=None):
	fulfilment.recompute_for_sales_orders(d.against_sales_order for d in doc.items)


def delivery_note_before_submit(doc, method=None):
	stock_guard.check_delivery(doc)


def sales_invoice_changed(doc, method=None):
	fulfilment.recompute_for_sales_orders(d.sales_order for d in doc.items)


def payment_entry_changed(doc, method=None):
	sales_orders = {r.reference_name for r in doc.references if r.reference_doctype == "Sales Order"}
	invoices = [r.reference_name for r in doc.references if r.reference_doctype == "Sales Invoice"]
	if invoices:
		sii = frappe.qb.DocType("Sales Invoice Item")
		sales_orders.update(
			(frappe.qb.from_(sii).select(sii.sales_order).distinct().where(sii.parent.isin(invoices))).run(
				pluck=True
			)
		)
	fulfilment.recompute_for_sales_orders(sales_orders)


def stock_reservation_changed(doc, method=None):
	if doc.voucher_type == "Sales Order":
		fulfilment.recompute_for_sales_orders([doc.voucher_no])


def stock_reservation_before_submit(doc, method=None):
	stock_guard.check_reservation(doc)
