"""Stock Reservation Entry (R5, R15): reserving for an order's Sales Order by hand is a change of the order;
no more is reserved than is free; the Bins, the order and the neighbours' shortages follow."""

from order_mgmt.figures import intake
from order_mgmt.overrides.sales_order import reservation_made_directly


def before_submit(doc, method=None):
	reservation_made_directly(doc)
	intake.check_reservation(doc)


def before_cancel_or_update(doc, method=None):
	reservation_made_directly(doc)


def on_change_of_reservation(doc, method=None):
	"""Submit, cancel, update after submit."""
	intake.mark_bins([(doc.item_code, doc.warehouse)])
	if doc.voucher_type == "Sales Order":
		intake.mark_sales_orders([doc.voucher_no], cause=doc)
	intake.mark_items([doc.item_code])
