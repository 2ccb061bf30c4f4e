"""*Not enough* is fair and current (R4, issue 15 item 4): planned receipts made for a line serve that line,
and an order that reserves, ships or releases stock moves the verdict of the other orders of the same item
at once (right after the commit in production; tests never commit, so at once here)."""

import frappe
from frappe.utils import add_days, nowdate

from order_mgmt.api import customer_order as order_api
from order_mgmt.api import stock as stock_api
from order_mgmt.api import supply as supply_api
from order_mgmt.figures import engine, shortages
from tests.integration.factories import add_stock, make_item, make_order, make_supplier, request_done


def confirmed(item, qty, days):
	order = make_order(items=[{"item_code": item, "qty": qty}], delivery_date=add_days(nowdate(), days))
	order_api.confirm(order.name)
	return order.name


def status(name):
	request_done()  # the user looks after their request ended
	return frappe.db.get_value("Customer Order Item", {"parent": name}, "product_status")


def the_job_queued_after_the_commit(item):
	"""What the job the action queued after its commit does (a real worker runs it:
	test_after_commit.py)."""
	request_done()
	return shortages.recompute_changed_shortages([item])


def test_one_orders_reservation_makes_the_other_not_enough_after_the_commit():
	item = make_item(price=10)
	add_stock(item, 5)
	early = confirmed(item, 5, days=3)
	late = confirmed(item, 5, days=20)
	assert (status(early), status(late)) == ("Not booked", "Not enough")
	stock_api.reserve(late)  # the later order takes the stock: the earlier one is now short
	assert (status(early), status(late)) == ("Not booked", "Ready for shipment")
	assert the_job_queued_after_the_commit(item) == [early]
	assert (status(early), status(late)) == ("Not enough", "Ready for shipment")
	stock_api.release(late)
	assert the_job_queued_after_the_commit(item) == [early]
	assert (status(early), status(late)) == ("Not booked", "Not enough")


def test_a_delivery_moves_the_other_orders_after_the_commit():
	item = make_item(price=10)
	add_stock(item, 5)
	first = confirmed(item, 5, days=3)
	second = confirmed(item, 5, days=20)
	assert status(second) == "Not enough"
	add_stock(item, 5)  # a receipt by itself waits for the night (or the next document of the order)
	stock_api.make_delivery_note(first, submit=1)  # shipping first's goods moves second's verdict with it
	assert the_job_queued_after_the_commit(item) == [second]
	assert status(second) == "Not booked"


def test_a_purchase_order_made_for_a_line_is_not_free_for_an_earlier_order():
	item = make_item(price=10)
	late = confirmed(item, 5, days=30)
	supply_api.make_purchase_order(late, supplier=make_supplier(), submit=1)
	early = confirmed(item, 5, days=3)
	engine.recompute([early, late])
	# the 5 on order are the later order's: the earlier one, though first in line, cannot count on them
	assert status(early) == "Not enough"
	assert status(late) != "Not enough"
