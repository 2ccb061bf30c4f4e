"""Every order can be finished (issue 15, item 3): an order with nothing (left) to ship counts as shipped;
a Sales Order put on hold, closed or cancelled directly in ERPNext shows on the order or cancels it; a
cancel that ERPNext's linked documents would block says what to do."""

import frappe
from frappe.utils import add_days, getdate, nowdate

from order_mgmt.api import customer_order as api
from order_mgmt.api import stock as stock_api
from order_mgmt.api import supply as supply_api
from order_mgmt.figures import runs
from tests.integration.erp_docs import deliver
from tests.integration.factories import (
	add_stock,
	make_bom,
	make_item,
	make_order,
	make_user,
	refused,
	request_done,
	warehouse,
)


def confirmed(items):
	order = make_order(items=items)
	api.confirm(order.name)
	return frappe.get_doc("Customer Order", order.name)


def erpnext_status(sales_order, status):
	"""What the Sales Order's Status menu does in ERPNext (Hold, Close, Resume, Re-open)."""
	from erpnext.selling.doctype.sales_order.sales_order import update_status

	update_status(status, sales_order)
	request_done()


def test_a_service_only_order_is_completed_and_archived():
	service = make_item(price=80, stock_item=False)
	order = confirmed([{"item_code": service, "qty": 2}])
	# ERPNext's way to say that no Delivery Note will come
	assert frappe.db.get_value("Sales Order", order.sales_order, "skip_delivery_note") == 1
	assert (order.status, order.nothing_to_ship) == ("Confirmed", 1)
	assert "Delivered" in api.status_summary(order.name)["manual_targets"]

	assert api.complete(order.name)["status"] == "Delivered"
	assert getdate(frappe.db.get_value("Customer Order", order.name, "completed_on")) == getdate(nowdate())
	assert order.name in runs.archive_old_orders(today=add_days(nowdate(), 3650), commit=False)
	assert frappe.db.get_value("Customer Order", order.name, "status") == "Archived"


def test_a_mixed_order_is_shipped_when_its_stock_lines_are_delivered():
	goods, service = make_item(price=10), make_item(price=50, stock_item=False)
	add_stock(goods, 5)
	order = confirmed([{"item_code": goods, "qty": 3}, {"item_code": service, "qty": 1}])
	assert frappe.db.get_value("Sales Order", order.sales_order, "skip_delivery_note") == 0
	with refused(match="only after it is Shipped"):
		api.complete(order.name)

	deliver(order, {goods: 3})
	assert frappe.db.get_value("Customer Order", order.name, ["status", "nothing_to_ship"]) == ("Shipped", 1)
	assert api.complete(order.name)["status"] == "Delivered"


def test_a_short_closed_order_counts_as_shipped_and_can_be_finished():
	item = make_item(price=10)
	add_stock(item, 5)
	order = confirmed([{"item_code": item, "qty": 5}])
	deliver(order, {item: 2})
	assert frappe.db.get_value("Customer Order", order.name, "status") == "Confirmed"
	with refused(match="only after it is Shipped"):
		api.complete(order.name)

	# the rest will not be delivered: the Sales Order is closed in ERPNext
	erpnext_status(order.sales_order, "Closed")
	order.reload()
	assert (order.status, order.sales_order_status, order.nothing_to_ship) == ("Shipped", "Closed", 1)
	# the actions say why they refuse, and what to do
	with refused(match="Closed in ERPNext. Re-open the Sales Order there first"):
		stock_api.reserve(order.name)
	with refused(match="Re-open it there first"):
		api.cancel(order.name)

	assert api.complete(order.name)["status"] == "Delivered"
	assert order.name in runs.archive_old_orders(today=add_days(nowdate(), 3650), commit=False)


def test_a_sales_order_on_hold_in_erpnext_is_flagged_and_blocks_the_actions():
	item = make_item(price=10)
	add_stock(item, 5)
	order = confirmed([{"item_code": item, "qty": 2}])
	erpnext_status(order.sales_order, "On Hold")
	order.reload()
	assert (order.sales_order_status, order.nothing_to_ship, order.status) == ("On Hold", 0, "Confirmed")
	with refused(match="On Hold in ERPNext. Resume the Sales Order there first"):
		stock_api.reserve(order.name)
	with refused(match="only after it is Shipped"):
		api.complete(order.name)

	erpnext_status(order.sales_order, "Draft")  # Resume
	order.reload()
	assert order.sales_order_status == frappe.db.get_value("Sales Order", order.sales_order, "status")
	assert order.sales_order_status not in ("On Hold", "Closed")
	stock_api.reserve(order.name)
	assert frappe.db.get_value("Customer Order", order.name, "status") == "Ready for Shipment"


def test_a_sales_order_closed_in_erpnext_before_any_delivery():
	order = confirmed([{"item_code": make_item(price=10), "qty": 2}])
	erpnext_status(order.sales_order, "Closed")
	order.reload()
	# nothing was shipped and nothing will be: it stays where it was, and may be marked done
	assert (order.status, order.sales_order_status, order.nothing_to_ship) == ("Confirmed", "Closed", 1)
	assert api.complete(order.name)["status"] == "Delivered"


def test_a_sales_order_cancelled_in_erpnext_cancels_the_order():
	item = make_item(price=10)
	add_stock(item, 5)
	order = confirmed([{"item_code": item, "qty": 2}])
	stock_api.reserve(order.name)
	order.reload()
	assert order.product_status == "Ready for shipment"

	# a sales user of ERPNext who has no role of the app may not: the order's rule covers its Sales Order
	frappe.set_user(make_user("Sales User", "Sales Manager"))
	so = frappe.get_doc("Sales Order", order.sales_order)
	with refused(frappe.PermissionError, match="carries Customer Order"):
		so.cancel()
	frappe.set_user("Administrator")
	assert frappe.db.get_value("Sales Order", so.name, "docstatus") == 1
	# the order's planner (an Order Manager with ERPNext's Sales roles) cancels it in ERPNext: the order is
	# the Sales Order's consequence
	frappe.set_user(make_user("Order Manager", "Sales User", "Sales Manager"))
	so = frappe.get_doc("Sales Order", order.sales_order)
	so.cancel()
	frappe.set_user("Administrator")

	order.reload()
	assert (order.docstatus, order.status) == (2, "Canceled")
	# no stale product status, reservation or source on a canceled order
	assert not order.product_status and not order.per_reserved
	assert [(d.product_status, d.reserved_qty, d.sources) for d in order.items] == [(None, 0, None)]
	# ERPNext released the reservation with its Sales Order
	assert not frappe.db.exists(
		"Stock Reservation Entry", {"voucher_no": so.name, "docstatus": 1, "status": ("!=", "Cancelled")}
	)
	assert frappe.db.exists(
		"Comment",
		{"reference_doctype": "Customer Order", "reference_name": order.name, "comment_type": "Info"},
	)


def test_an_order_canceled_from_the_app_shows_no_stale_product_status():
	item = make_item(price=10)
	add_stock(item, 5)
	order = confirmed([{"item_code": item, "qty": 2}])
	stock_api.reserve(order.name)
	api.cancel(order.name)
	order.reload()
	assert (order.status, order.product_status, order.per_reserved) == ("Canceled", None, 0)
	assert [(d.product_status, d.reserved_qty) for d in order.items] == [(None, 0)]


def test_cancel_with_submitted_work_orders_or_material_requests_says_what_to_do():
	product = make_item(price=100)
	make_bom(product, make_item(price=5))
	order = confirmed([{"item_code": product, "qty": 2}])
	work_order = frappe.get_doc("Work Order", supply_api.make_work_orders(order.name)["work_orders"][0])
	work_order.wip_warehouse = warehouse()
	work_order.submit()
	request = supply_api.make_material_request(order.name, "Purchase", submit=1)["material_request"]

	with refused(
		match=f"Work Order {work_order.name}, Material Request {request}. Cancel them in ERPNext first"
	):
		api.cancel(order.name)
	assert frappe.db.get_value("Customer Order", order.name, "docstatus") == 1
	assert frappe.db.get_value("Sales Order", order.sales_order, "docstatus") == 1

	work_order.reload()
	work_order.cancel()
	frappe.get_doc("Material Request", request).cancel()
	assert api.cancel(order.name)["status"] == "Canceled"
	assert frappe.db.get_value("Sales Order", order.sales_order, "docstatus") == 2
