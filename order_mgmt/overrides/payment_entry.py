"""Payment Entry (R7): the orders of the Sales Orders and invoices it pays (submit, cancel, and
reconciliation, which rewrites its references after submit)."""

from order_mgmt.figures import intake, money


def on_change_of_references(doc, method=None):
	refs = [(r.reference_doctype, r.reference_name) for r in doc.references]
	intake.mark_sales_orders(money.sales_orders_of_references(refs), cause=doc)
