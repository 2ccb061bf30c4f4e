"""Purchase Invoice (R10): job costs booked to an order — on its project, or on a Purchase Order line raised
for its Sales Order — reach its profitability (submit, cancel). One that updates stock moves its items'
stock as a Purchase Receipt does."""

from order_mgmt.figures import intake, profit


def on_submit_or_cancel(doc, method=None):
	rows = doc.get("items") or []
	projects = {r.get("project") for r in rows} | {doc.get("project")}
	intake.mark_costs(profit.orders_of_job_costs(projects, [r.get("po_detail") for r in rows]), cause=doc)
	if doc.get("update_stock"):
		intake.mark_items(r.get("item_code") for r in rows)
