"""Purchase Order (R4): a source of the Sales Order lines its lines carry (every save, submit, cancel,
status update, delete); a line taken off a submitted one by *Update Items* is deleted before the rest is
saved (`Purchase Order Item` after_delete)."""

import frappe

from order_mgmt.figures import intake
from order_mgmt.overrides._common import sales_orders_of_lines


def on_change(doc, method=None):
	intake.mark_sales_orders(sales_orders_of_lines(doc), cause=doc)


def line_removed(doc, method=None):
	if doc.get("sales_order") and doc.get("parenttype") == "Purchase Order":
		intake.mark_sales_orders(
			[doc.sales_order], cause=frappe._dict(doctype="Purchase Order", name=doc.parent)
		)
