"""Subcontracting Receipt: the subcontracted goods come in and the raw materials sent out are consumed — the
items' stock moved (other orders' *Not enough*, Work Orders waiting for parts), re-judged after the commit."""

from order_mgmt.figures import intake


def on_submit_or_cancel(doc, method=None):
	intake.mark_items(
		[d.item_code for d in doc.get("items") or ()]
		+ [d.rm_item_code for d in doc.get("supplied_items") or ()]
	)
