"""Order Profitability (R10, R11): per order, revenue (invoiced net) against cost of goods delivered,
time, purchases and other job costs — computed from ERPNext's documents by `order_mgmt.figures.profit` (see there
what each figure counts) and stored on the order, which the report reads. Amounts in company currency."""

import frappe
from frappe import _
from frappe.utils import flt

from order_mgmt.figures import profit
from order_mgmt.order_mgmt.report.common import get_orders, order_columns
from order_mgmt.rules.profit import Costs, profitability

#: the order's stored profitability fields the report shows
FIGURES = profit.FIELDS


def execute(filters=None):
	filters = frappe._dict(filters or {})
	rows = get_data(filters)
	return get_columns(), rows, None, get_chart(rows), get_summary(rows)


def get_columns():
	cur = {"fieldtype": "Currency", "width": 120}
	return [
		*order_columns(160),
		{"label": _("Order Date"), "fieldname": "order_date", "fieldtype": "Date", "width": 100},
		{"label": _("Status"), "fieldname": "status", "fieldtype": "Data", "width": 140},
		{"label": _("Revenue"), "fieldname": "revenue_amount", **cur},
		{"label": _("Cost of Goods"), "fieldname": "cost_of_goods", **cur},
		{"label": _("Hours"), "fieldname": "total_hours", "fieldtype": "Float", "width": 80},
		{"label": _("Time Cost"), "fieldname": "timesheet_cost", **cur},
		{"label": _("Purchases"), "fieldname": "purchase_cost", **cur},
		{"label": _("Other Costs"), "fieldname": "other_cost", **cur},
		{"label": _("Total Cost"), "fieldname": "total_cost", **cur},
		{"label": _("Profit"), "fieldname": "profit_amount", **cur},
		{"label": _("Margin %"), "fieldname": "profit_margin", "fieldtype": "Percent", "width": 90},
	]


def get_data(filters) -> list[dict]:
	"""One row per order from the profitability the app stores on it (`order_mgmt.figures.profit`, kept current
	by the documents' events and the nightly run): one query whatever the number of orders."""
	orders = get_orders(
		filters,
		["customer", "order_date", "status", *FIGURES],
		extra_filters=[["Customer Order", "docstatus", "=", 1]],
	)
	only_with_activity = filters.get("only_with_activity")
	rows = []
	for o in orders:  # the stored figures are rounded to the cent already
		for f in FIGURES:
			if o[f] is None:
				o[f] = 0.0
		if abs(o.revenue_amount) < 0.005:
			o.profit_margin = None  # nothing invoiced yet: no margin to speak of
		if only_with_activity and not (o.revenue_amount or o.total_cost):
			continue
		o.customer_order = o.pop("name")
		rows.append(o)
	return rows


def totals(rows) -> frappe._dict:
	"""Profit and margin of the sums (not the average of the margins)."""
	costs = Costs(
		cost_of_goods=sum(flt(r["cost_of_goods"]) for r in rows),
		timesheet_cost=sum(flt(r["timesheet_cost"]) for r in rows),
		purchase_cost=sum(flt(r["purchase_cost"]) for r in rows),
		other_cost=sum(flt(r["other_cost"]) for r in rows),
	)
	return frappe._dict(profitability(sum(flt(r["revenue_amount"]) for r in rows), costs).__dict__)


def get_chart(rows):
	shown = [r for r in rows if r["revenue_amount"] or r["total_cost"]][:30]
	if not shown:
		return None
	return {
		"data": {
			"labels": [r["customer_order"] for r in shown],
			"datasets": [
				{"name": _("Revenue"), "values": [r["revenue_amount"] for r in shown]},
				{"name": _("Total Cost"), "values": [r["total_cost"] for r in shown]},
				{"name": _("Profit"), "values": [r["profit_amount"] for r in shown]},
			],
		},
		"type": "bar",
		"fieldtype": "Currency",
	}


def get_summary(rows):
	t = totals(rows)
	return [
		{"label": _("Revenue"), "value": t.revenue_amount, "datatype": "Currency", "indicator": "Blue"},
		{"label": _("Total Cost"), "value": t.total_cost, "datatype": "Currency", "indicator": "Orange"},
		{
			"label": _("Profit"),
			"value": t.profit_amount,
			"datatype": "Currency",
			"indicator": "Green" if t.profit_amount >= 0 else "Red",
		},
		{"label": _("Margin"), "value": t.profit_margin or 0, "datatype": "Percent"},
	]
