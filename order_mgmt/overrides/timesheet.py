"""Timesheet (R8, R10): the time booked on an order's tasks reaches its hours, time cost and profit
(submit, cancel)."""

import frappe

from order_mgmt.figures import intake


def on_submit_or_cancel(doc, method=None):
	tasks = list({d.task for d in doc.time_logs if d.task})
	if tasks:
		intake.mark_costs(
			frappe.get_all(
				"Task",
				filters={"name": ("in", tasks), "customer_order": ("is", "set")},
				pluck="customer_order",
			),
			cause=doc,
		)
