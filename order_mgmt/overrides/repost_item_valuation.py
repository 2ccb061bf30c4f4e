"""Repost Item Valuation (R10): a revaluation of delivered stock (ERPNext's background repost of a backdated
transaction) reaches the cost of goods of the orders whose Delivery Notes took the revalued items out of
those warehouses since then — delivered and archived orders too."""

import frappe

from order_mgmt.figures import intake


def on_change(doc, method=None):
	"""Repost Item Valuation completed (a backdated stock transaction revalued later ones): the orders whose
	Delivery Notes took the revalued items out of those warehouses since then get their cost of goods
	(profitability) refreshed — delivered and archived orders too. Two queries at most."""
	if doc.docstatus != 1 or doc.status != "Completed":
		return
	sle = frappe.qb.DocType("Stock Ledger Entry")
	if doc.based_on == "Item and Warehouse":
		pairs = {(doc.item_code, doc.warehouse)}
	else:
		pairs = set(
			(
				frappe.qb.from_(sle)
				.select(sle.item_code, sle.warehouse)
				.distinct()
				.where((sle.voucher_type == doc.voucher_type) & (sle.voucher_no == doc.voucher_no))
			).run()
		)
	pairs = {(i, w) for i, w in pairs if i and w}
	if not pairs:
		return
	dni = frappe.qb.DocType("Delivery Note Item")
	co = frappe.qb.DocType("Customer Order")
	matches = None
	for item_code, warehouse in sorted(pairs):
		term = (sle.item_code == item_code) & (sle.warehouse == warehouse)
		matches = term if matches is None else matches | term
	orders = (
		frappe.qb.from_(sle)
		.join(dni)
		.on(dni.name == sle.voucher_detail_no)
		.join(co)
		.on(co.sales_order == dni.against_sales_order)
		.select(co.name)
		.distinct()
		.where(
			(sle.voucher_type == "Delivery Note")
			& (sle.is_cancelled == 0)
			& (sle.posting_date >= doc.posting_date)
			& matches
		)
	).run(pluck=True)
	intake.mark_costs(orders, cause=doc)
