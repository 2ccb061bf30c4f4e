"""Delayed Orders (R3, R11): lines of confirmed, unfinished orders that are late or at risk, by the one
definition the order's roll-up and the *Delayed Orders* number card use (`rules.product.LATE`): the line's
product status is Possibly delayed or Delayed — as stored (today), or as the same rules judge it on another
date (`as_of_date`)."""

import functools

import frappe
from frappe import _
from frappe.utils import date_diff, getdate, nowdate

from order_mgmt.figures import engine
from order_mgmt.order_mgmt.report.common import order_columns, permitted_orders
from order_mgmt.order_mgmt.report.ordered_items.ordered_items import get_lines
from order_mgmt.rules import pipeline, product


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
	orders = permitted_orders(
		frappe._dict({k: v for k, v in filters.items() if k not in ("as_of_date",)}),
		extra_filters=[
			["Customer Order", "docstatus", "=", 1],
			["Customer Order", "status", "in", unfinished],
		],
	)
	rows = []
	if as_of == getdate(nowdate()):
		# the stored statuses are today's: only the late lines need reading
		candidates = get_lines(
			orders, frappe._dict(item_code=filters.get("item_code"), late=product.LATE), details=False
		)
		statuses = {}
	else:
		candidates = get_lines(orders, frappe._dict(item_code=filters.get("item_code")), details=False)
		statuses = engine.line_statuses({line.customer_order for line in candidates}, as_of)
	for line in candidates:
		line.product_status = statuses.get(line.name, line.product_status)
		if not (product.is_late(line.product_status) and line.pending_qty > 1e-9):
			continue
		overdue = bool(line.delivery_date and getdate(line.delivery_date) < as_of)
		line.days_late = max(0, date_diff(as_of, line.delivery_date)) if line.delivery_date else 0
		line.reason = reason("Delivery date passed" if overdue else line.product_status)
		rows.append(line)
	rows.sort(key=lambda r: (-r.days_late, r.customer_order, r.idx))
	return rows


@functools.cache
def _reason(text: str, lang: str) -> str:
	return _(text)


def reason(text: str) -> str:
	"""Why a line is listed, translated (once per text and language, not once per row)."""
	return _reason(text, frappe.local.lang)


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
