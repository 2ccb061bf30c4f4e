"""Work Order (R4): a source of its Sales Order's lines (`on_change` runs on every save, submit, cancel and
status update); also the Sales Order a draft's save unlinked (its order loses the source). A submitted or
cancelled Work Order changes what the Work Orders behind it may count on of its parts."""

from order_mgmt.figures import intake
from order_mgmt.overrides._common import before, sales_orders_of_work_order


def on_change(doc, method=None):
	sales_orders = sales_orders_of_work_order(doc.get("sales_order"), doc.get("production_plan"))
	previous = before(doc)
	if previous is not None and previous.get("sales_order") != doc.get("sales_order"):
		sales_orders += sales_orders_of_work_order(
			previous.get("sales_order"), previous.get("production_plan")
		)
	intake.mark_sales_orders(sales_orders, cause=doc)
	if doc.docstatus > 0:
		intake.mark_items(d.item_code for d in doc.get("required_items") or ())
