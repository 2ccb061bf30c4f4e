"""Delayed Orders (R3, R11): lines of confirmed, unfinished orders that are late or at risk — the line's
product status is Possibly delayed or Delayed, or its delivery date has passed (as of a date, today by
default) and not all of it is delivered (Sales Order line's delivered quantity)."""

import frappe
from frappe import _
from frappe.utils import date_diff, getdate, nowdate

from order_mgmt.order_mgmt.report.common import get_orders, order_columns
from order_mgmt.order_mgmt.report.ordered_items.ordered_items import get_lines
from order_mgmt.rules import pipeline

AT_RISK = ("Possibly delayed", "Delayed")


def execute(filters=None):
	filters = frappe._dict(filters or {})
	rows = get_data(filters)
	return get_columns(), rows, None, None, get_summary(rows)


def get_columns():
	return [
		*order_columns(150),
		{
			"label": _("Order Manager"),
			"fieldname": "order_manager",
			"fieldtype": "Link",
			"options": "User",
			"width": 140,
		},
		{"label": _("Order Status"), "fieldname": "status", "fieldtype": "Data", "width": 130},
		{"label": _("Item"), "fieldname": "item_code", "fieldtype": "Link", "options": "Item", "width": 130},
		{"label": _("Qty"), "fieldname": "qty", "fieldtype": "Float", "width": 70},
		{"label": _("Delivered"), "fieldname": "delivered_qty", "fieldtype": "Float", "width": 80},
		{"label": _("Pending"), "fieldname": "pending_qty", "fieldtype": "Float", "width": 80},
		{"label": _("Delivery Date"), "fieldname": "delivery_date", "fieldtype": "Date", "width": 100},
		{"label": _("Days Late"), "fieldname": "days_late", "fieldtype": "Int", "width": 80},
		{"label": _("Product Status"), "fieldname": "product_status", "fieldtype": "Data", "width": 130},
		{"label": _("Expected"), "fieldname": "expected_date", "fieldtype": "Date", "width": 100},
		{"label": _("Reason"), "fieldname": "reason", "fieldtype": "Data", "width": 200},
	]


def get_data(filters) -> list[dict]:
	as_of = getdate(filters.get("as_of_date") or nowdate())
	unfinished = [s for s in pipeline.STATUSES if s in pipeline.OPEN_STATUSES]
	orders = get_orders(
		frappe._dict({k: v for k, v in filters.items() if k not in ("as_of_date",)}),
		["customer", "status", "currency", "order_manager", "delivery_date"],
		extra_filters=[
			["Customer Order", "docstatus", "=", 1],
			["Customer Order", "status", "in", unfinished],
		],
	)
	managers = {o.name: o.order_manager for o in orders}
	rows = []
	candidates = get_lines(
		orders, frappe._dict(item_code=filters.get("item_code"), late_or_at_risk=(as_of, sorted(AT_RISK)))
	)
	for line in candidates:
		overdue = bool(line.delivery_date and getdate(line.delivery_date) < as_of and line.pending_qty > 1e-9)
		at_risk = line.product_status in AT_RISK and line.pending_qty > 1e-9
		if not (overdue or at_risk):
			continue
		reasons = []
		if overdue:
			reasons.append(_("Delivery date passed"))
		if at_risk:
			reasons.append(_(line.product_status))
		line.order_manager = managers.get(line.customer_order)
		line.days_late = max(0, date_diff(as_of, line.delivery_date)) if line.delivery_date else 0
		line.reason = ", ".join(reasons)
		rows.append(line)
	rows.sort(key=lambda r: (-r.days_late, r.customer_order, r.idx))
	return rows


def get_summary(rows):
	return [
		{
			"label": _("Delayed Orders"),
			"value": len({r.customer_order for r in rows}),
			"datatype": "Int",
			"indicator": "Red",
		},
		{"label": _("Delayed Lines"), "value": len(rows), "datatype": "Int"},
		{
			"label": _("Past Delivery Date"),
			"value": sum(1 for r in rows if r.days_late > 0),
			"datatype": "Int",
			"indicator": "Orange",
		},
	]
