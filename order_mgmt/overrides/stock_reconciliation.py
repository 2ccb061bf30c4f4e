"""Stock Reconciliation: the items' counted stock replaces the book figure — other orders' *Not enough*, and
Work Orders waiting for those items as parts, are re-judged after the commit."""

from order_mgmt.figures import intake


def on_submit_or_cancel(doc, method=None):
	intake.mark_items(d.item_code for d in doc.get("items") or ())
