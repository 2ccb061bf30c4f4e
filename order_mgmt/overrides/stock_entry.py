"""Stock Entry (R4): production (a Work Order) and transfers (a Material Request) move an order's lines; the
items' stock moved (other orders' *Not enough*, Work Orders waiting for parts)."""

import frappe

from order_mgmt.figures import intake
from order_mgmt.overrides._common import sales_orders_of_work_order


def on_submit_or_cancel(doc, method=None):
	intake.mark_items(d.item_code for d in doc.items)
	sales_orders = set()
	if doc.get("work_order"):
		work_order = frappe.db.get_value(
			"Work Order", doc.work_order, ["sales_order", "production_plan"], as_dict=True
		)
		if work_order:
			sales_orders.update(
				sales_orders_of_work_order(work_order.sales_order, work_order.production_plan)
			)
	requests = [d.material_request for d in doc.items if d.get("material_request")]
	if requests:
		mri = frappe.qb.DocType("Material Request Item")
		sales_orders.update(
			(frappe.qb.from_(mri).select(mri.sales_order).distinct().where(mri.parent.isin(requests))).run(
				pluck=True
			)
		)
	intake.mark_sales_orders(sales_orders, cause=doc)
