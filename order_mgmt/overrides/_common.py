"""What the modules of this package share: the document as it was before this save, and the Sales Orders
behind documents that name them (each one query at most)."""

import frappe


def before(doc):
	"""The document as it was before this save (None on submit, status updates, delete)."""
	previous = doc.get_doc_before_save() if hasattr(doc, "get_doc_before_save") else None
	return previous if previous is not None and previous.name == doc.name else None


def sales_orders_of_lines(doc) -> set[str]:
	"""The Sales Orders a Purchase Order's or Material Request's lines name, and those its lines named
	before this save (a line removed from a draft: its order loses the source)."""
	sales_orders = {d.get("sales_order") for d in doc.items}
	previous = before(doc)
	if previous is not None:
		sales_orders.update(d.get("sales_order") for d in previous.items)
	return {s for s in sales_orders if s}


def sales_orders_of_work_order(sales_order, production_plan) -> list[str]:
	"""A Work Order's Sales Order; one from a Production Plan that combined several Sales Orders carries
	none: those its plan's item references name (one query)."""
	if sales_order:
		return [sales_order]
	if not production_plan:
		return []
	ref = frappe.qb.DocType("Production Plan Item Reference")
	return (
		frappe.qb.from_(ref)
		.select(ref.sales_order)
		.distinct()
		.where((ref.parent == production_plan) & ref.sales_order.isnotnull())
	).run(pluck=True)
