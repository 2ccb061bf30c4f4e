"""Material Request (R4): a source of the Sales Order lines its lines carry."""

from order_mgmt.figures import intake
from order_mgmt.overrides._common import sales_orders_of_lines


def on_change(doc, method=None):
	intake.mark_sales_orders(sales_orders_of_lines(doc), cause=doc)
