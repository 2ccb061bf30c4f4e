"""A Sales Order line delivered on several dates (ERPNext v16's Delivery Schedule; v15 has none): the
order's line is judged on the date its next part is due, not on the first date once that part is shipped."""

import frappe
import pytest
from frappe.utils import add_days, getdate, nowdate

from order_mgmt import compat
from order_mgmt.api import customer_order as order_api
from order_mgmt.api import stock as stock_api
from order_mgmt.figures import engine
from tests.integration.factories import add_stock, make_item, make_order, request_done

pytestmark = pytest.mark.skipif(not compat.at_least(16), reason="ERPNext v16's Delivery Schedule")


def status_on(order_name: str, day) -> str:
	request_done()  # the user looks after their request ended
	engine.recompute([order_name], today=getdate(day))
	return frappe.db.get_value("Customer Order Item", {"parent": order_name}, "product_status")


def test_a_line_in_two_parts_is_late_only_when_a_part_due_is_not_shipped():
	item = make_item(price=10)
	order = make_order(items=[{"item_code": item, "qty": 5}], delivery_date=add_days(nowdate(), 10))
	order_api.confirm(order.name)
	order.reload()
	so = frappe.get_doc("Sales Order", order.sales_order)
	# the Sales Order's line in two parts, as its Delivery Schedule dialog makes them: 2 tomorrow, 3 in
	# ten days (ERPNext moves the line's date to the first part; the order follows, as after Update Items)
	so.create_delivery_schedule(
		so.items[0].as_dict(),
		[
			{"delivery_date": add_days(nowdate(), 1), "qty": 2},
			{"delivery_date": add_days(nowdate(), 10), "qty": 3},
		],
	)
	assert getdate(
		frappe.db.get_value("Customer Order Item", {"parent": order.name}, "delivery_date")
	) == getdate(add_days(nowdate(), 1))
	in_three_days, in_eleven_days = add_days(nowdate(), 3), add_days(nowdate(), 11)
	# nothing shipped: the first part is late once its day has passed
	assert status_on(order.name, nowdate()) != "Delayed"
	assert status_on(order.name, in_three_days) == "Delayed"

	# the first part shipped: the line is due with its second part, in ten days
	add_stock(item, 2)
	stock_api.reserve(order.name)
	stock_api.make_delivery_note(order.name, items=[{"line": order.items[0].name, "qty": 2}], submit=1)
	assert frappe.db.get_value("Customer Order Item", {"parent": order.name}, "delivered_qty") == 2
	assert status_on(order.name, in_three_days) not in ("Delayed", "Delivered")
	# ... and late the day after it, with nothing more shipped
	assert status_on(order.name, in_eleven_days) == "Delayed"
	# the nightly run looks at the order again the day after the second part is due
	engine.recompute([order.name])
	assert getdate(frappe.db.get_value("Customer Order", order.name, "next_check")) == getdate(in_eleven_days)
