"""Order Pipeline and Forecast (R2, R11): the open orders' value by month and status, weighted by each
status's win probability (Order Management Settings).

Open = every status before Delivered (drafts included), not Canceled or Archived. The value is the order's
net total in company currency (net total x conversion rate); the weighted value is that x probability.
Orders fall in the month of their promised delivery date (or order date, as chosen)."""

from collections import defaultdict

import frappe
from frappe import _
from frappe.utils import flt

from order_mgmt.order_mgmt.report.common import OPEN_PIPELINE_STATUSES, permitted_orders
from order_mgmt.rules import pipeline
from order_mgmt.settings import get_probabilities


def execute(filters=None):
	filters = frappe._dict(filters or {})
	rows = get_data(filters)
	return get_columns(), rows, None, get_chart(rows), get_summary(rows)


def get_columns():
	return [
		{"label": _("Month"), "fieldname": "period", "fieldtype": "Data", "width": 100},
		{"label": _("Status"), "fieldname": "status", "fieldtype": "Data", "width": 180},
		{"label": _("Orders"), "fieldname": "orders", "fieldtype": "Int", "width": 80},
		{"label": _("Probability"), "fieldname": "probability", "fieldtype": "Percent", "width": 100},
		{"label": _("Open Value"), "fieldname": "open_value", "fieldtype": "Currency", "width": 140},
		{"label": _("Weighted Value"), "fieldname": "weighted_value", "fieldtype": "Currency", "width": 140},
	]


def get_data(filters) -> list[dict]:
	based_on = "order_date" if filters.get("based_on") == "Order Date" else "delivery_date"
	statuses = [s for s in OPEN_PIPELINE_STATUSES if not filters.get("status") or s == filters.status]
	orders = permitted_orders(
		filters, extra_filters=[["Customer Order", "status", "in", statuses]], date_field=based_on
	)
	# summed by MariaDB per month and status (a few dozen rows, whatever the number of orders)
	groups = frappe.db.sql(
		f"""
		select date_format(coalesce(co.{based_on}, co.order_date), '%%Y-%%m') as period, co.status,
			count(*), sum(co.net_total * coalesce(nullif(co.conversion_rate, 0), 1))
		from `tabCustomer Order` co
		where co.name in ({orders})
		group by period, co.status""",
		{},
	)
	probability = get_probabilities()
	rows = []
	for period, status, count, value in sorted(
		groups, key=lambda g: (g[0] or "", pipeline.STATUSES.index(g[1]))
	):
		value = flt(value)
		p = flt(probability.get(status))
		rows.append(
			{
				"period": period,
				"status": status,
				"orders": count,
				"probability": p,
				"open_value": flt(value, 2),
				"weighted_value": flt(value * p / 100, 2),
			}
		)
	return rows


def get_chart(rows):
	if not rows:
		return None
	periods = sorted({r["period"] for r in rows})
	open_by, weighted_by = defaultdict(float), defaultdict(float)
	for r in rows:
		open_by[r["period"]] += r["open_value"]
		weighted_by[r["period"]] += r["weighted_value"]
	return {
		"data": {
			"labels": periods,
			"datasets": [
				{"name": _("Open Value"), "values": [flt(open_by[p], 2) for p in periods]},
				{"name": _("Weighted Forecast"), "values": [flt(weighted_by[p], 2) for p in periods]},
			],
		},
		"type": "bar",
		"fieldtype": "Currency",
	}


def get_summary(rows):
	return [
		{"label": _("Open Orders"), "value": sum(r["orders"] for r in rows), "datatype": "Int"},
		{
			"label": _("Open Value"),
			"value": flt(sum(r["open_value"] for r in rows), 2),
			"datatype": "Currency",
			"indicator": "Blue",
		},
		{
			"label": _("Weighted Forecast"),
			"value": flt(sum(r["weighted_value"] for r in rows), 2),
			"datatype": "Currency",
			"indicator": "Green",
		},
	]
