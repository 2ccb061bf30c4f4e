"""Purchase Receipt (R4): goods bought for an order arrive (its Purchase Order lines carry the Sales Order);
the items' stock moved (other orders' *Not enough*, Work Orders waiting for parts)."""

import frappe

from order_mgmt.figures import intake


def on_submit_or_cancel(doc, method=None):
	intake.mark_items(d.item_code for d in doc.items)
	po_items = [d.purchase_order_item for d in doc.items if d.get("purchase_order_item")]
	if po_items:
		poi = frappe.qb.DocType("Purchase Order Item")
		intake.mark_sales_orders(
			(frappe.qb.from_(poi).select(poi.sales_order).distinct().where(poi.name.isin(po_items))).run(
				pluck=True
			),
			cause=doc,
		)
