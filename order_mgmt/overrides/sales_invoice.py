"""Sales Invoice (R7, R10): invoice and payment status and revenue of its orders. Its `on_change` runs on
submit, cancel and every change of its outstanding (payments, journal entries, credit notes,
reconciliation and unreconciliation all end in ERPNext's `set_status` → `db_set`)."""

from order_mgmt.figures import engine, intake


def on_change(doc, method=None):
	if doc.docstatus != 0:
		intake.mark_sales_orders((d.sales_order for d in doc.items), cause=doc)


def before_validate(doc, method=None):
	"""A credit note made with ERPNext's `make_sales_return` from an invoice that took advances copies the
	invoice's advance table as empty rows (its fields are no_copy, the table is not), which ERPNext's own
	validation then refuses ("Reference Name should point to a valid Payment Entry or Journal Entry"). A
	credit note of a Customer Order's invoice takes no advances: the empty rows are dropped (R7: credit
	notes of the app's orders work). Any other credit note stays ERPNext's to judge (one query, and only
	when there are such rows)."""
	if not doc.get("is_return") or not any(not a.get("reference_name") for a in doc.get("advances") or []):
		return
	if engine.orders_of_sales_orders(d.get("sales_order") for d in doc.items):
		doc.set("advances", [a for a in doc.advances if a.get("reference_name")])
