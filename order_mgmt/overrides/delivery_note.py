"""Delivery Note (R5, R6, R10): goods reserved for other orders stay theirs; a shipment moves its orders'
delivered quantities, Bins, cost of goods and the neighbours' shortages."""

from order_mgmt.figures import intake
from order_mgmt.services import stock_guard


def before_submit(doc, method=None):
	stock_guard.check_delivery(doc)


def on_submit_or_cancel(doc, method=None):
	lines = [d for d in doc.items if d.get("against_sales_order")]
	intake.mark_bins((d.item_code, d.warehouse) for d in lines if d.warehouse)
	intake.mark_sales_orders((d.against_sales_order for d in lines), cause=doc)
	intake.mark_items(d.item_code for d in lines)
