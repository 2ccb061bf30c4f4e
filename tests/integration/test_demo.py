"""The demo (R16): a small run of the same scenarios as `bench --site S order-mgmt-demo` leaves orders in
every status, with the ERPNext documents behind them; everything is rolled back afterwards."""

import frappe

from order_mgmt.rules import pipeline
from order_mgmt.setup.demo import make_demo


def test_a_small_demo_reaches_every_status():
	try:
		result = make_demo(orders=13, verbose=False, commit=False)
		assert result["failed"] == []
		assert {s: result["by_status"].get(s, 0) > 0 for s in pipeline.STATUSES} == dict.fromkeys(
			pipeline.STATUSES, True
		)
		orders = result["orders"]
		sales_orders = frappe.get_all(
			"Customer Order", filters={"name": ("in", orders), "docstatus": 1}, pluck="sales_order"
		)
		# the ERPNext documents behind the orders, made by ERPNext's mappers and the app's actions
		assert frappe.db.count(
			"Delivery Note Item", {"against_sales_order": ("in", sales_orders), "docstatus": 1}
		)
		assert frappe.db.count("Sales Invoice Item", {"sales_order": ("in", sales_orders), "docstatus": 1})
		assert frappe.db.count("Work Order", {"sales_order": ("in", sales_orders), "docstatus": 1})
		assert frappe.db.count("Purchase Order Item", {"sales_order": ("in", sales_orders), "docstatus": 1})
		assert frappe.db.count(
			"Stock Reservation Entry", {"voucher_no": ("in", sales_orders), "docstatus": 1}
		)
		assert frappe.db.count("Task", {"customer_order": ("in", orders)})
		assert frappe.db.count("Order Meeting", {"customer_order": ("in", orders)})
		# every report shows something
		from frappe.desk.query_report import run

		for report in (
			"Order Pipeline and Forecast",
			"Ordered Items",
			"Delayed Orders",
			"Order Invoicing and Payments",
			"Order Profitability",
			"Shipping Log",
		):
			assert run(report, filters={}, ignore_prepared_report=True)["result"], report
	finally:
		# the demo changed settings (archiving, manufacturing warehouses): drop them and their caches
		frappe.db.rollback()
		frappe.clear_cache()
