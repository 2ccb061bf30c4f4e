"""Journal Entry (R7, R10): receipts against an order's invoices, advances against its Sales Order, and job
costs booked to its project (submit, cancel)."""

from order_mgmt.figures import intake, money, profit


def on_submit_or_cancel(doc, method=None):
	rows = doc.get("accounts") or []
	refs = [(r.get("reference_type"), r.get("reference_name")) for r in rows]
	intake.mark_sales_orders(money.sales_orders_of_references(refs), cause=doc)
	projects = {r.get("project") for r in rows} | {doc.get("project")}
	intake.mark_costs(profit.orders_of_job_costs(projects, ()), cause=doc)
