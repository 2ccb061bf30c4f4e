"""Shipping Log (R6, R11): every Delivery Note line of the orders' Sales Orders — date, delivery note,
item, quantity, customer, order. Returns show with a negative quantity. Dates filter the delivery date."""

import frappe
from frappe import _
from frappe.utils import flt, getdate

from order_mgmt.order_mgmt.report.common import order_columns, permitted_orders


def execute(filters=None):
	filters = frappe._dict(filters or {})
	rows = get_data(filters)
	return get_columns(), rows, None, get_chart(rows), get_summary(rows)


def get_columns():
	return [
		{"label": _("Date"), "fieldname": "posting_date", "fieldtype": "Date", "width": 100},
		{
			"label": _("Delivery Note"),
			"fieldname": "delivery_note",
			"fieldtype": "Link",
			"options": "Delivery Note",
			"width": 160,
		},
		*order_columns(160),
		{"label": _("Item"), "fieldname": "item_code", "fieldtype": "Link", "options": "Item", "width": 140},
		{"label": _("Item Name"), "fieldname": "item_name", "fieldtype": "Data", "width": 160},
		{"label": _("Qty"), "fieldname": "qty", "fieldtype": "Float", "width": 80},
		{"label": _("UOM"), "fieldname": "uom", "fieldtype": "Link", "options": "UOM", "width": 70},
		{
			"label": _("Warehouse"),
			"fieldname": "warehouse",
			"fieldtype": "Link",
			"options": "Warehouse",
			"width": 130,
		},
		{"label": _("Amount"), "fieldname": "amount", "fieldtype": "Currency", "width": 110},
		{"label": _("Return"), "fieldname": "is_return", "fieldtype": "Check", "width": 70},
	]


def get_data(filters) -> list[dict]:
	"""The Delivery Note lines against the Sales Orders of the orders the user may read (one query: the
	permission query of the orders is a subquery)."""
	order_part = frappe._dict({k: v for k, v in filters.items() if k not in ("from_date", "to_date")})
	extra = [["Customer Order", "docstatus", "=", 1], ["Customer Order", "sales_order", "is", "set"]]
	if filters.get("customer_order"):
		extra.append(["Customer Order", "name", "=", filters.customer_order])
	orders = permitted_orders(order_part, extra_filters=extra)
	conditions, values = "", {}
	if filters.get("from_date"):
		conditions += " and dn.posting_date >= %(from_date)s"
		values["from_date"] = getdate(filters.from_date)
	if filters.get("to_date"):
		conditions += " and dn.posting_date <= %(to_date)s"
		values["to_date"] = getdate(filters.to_date)
	if filters.get("item_code"):
		conditions += " and dni.item_code = %(item_code)s"
		values["item_code"] = filters.item_code
	return frappe.db.sql(
		f"""
		select dn.posting_date, dn.name as delivery_note, co.name as customer_order, dn.customer,
			dni.item_code, dni.item_name, ifnull(dni.qty, 0) as qty, dni.uom, dni.warehouse, dni.base_net_amount as amount,
			dn.is_return
		from `tabDelivery Note Item` dni
		join `tabDelivery Note` dn on dn.name = dni.parent
		join `tabCustomer Order` co on co.sales_order = dni.against_sales_order
		where dn.docstatus = 1 and co.name in ({orders}) {conditions}
		order by dn.posting_date, dn.posting_time, dn.name, dni.idx""",
		values,
		as_dict=True,
	)


def get_chart(rows):
	if not rows:
		return None
	by_day = {}
	for r in rows:
		key = str(r.posting_date)
		by_day[key] = by_day.get(key, 0) + r.qty
	days = sorted(by_day)[-60:]
	return {
		"data": {
			"labels": days,
			"datasets": [{"name": _("Quantity shipped"), "values": [by_day[d] for d in days]}],
		},
		"type": "bar",
	}


def get_summary(rows):
	return [
		{"label": _("Delivery Notes"), "value": len({r.delivery_note for r in rows}), "datatype": "Int"},
		{"label": _("Orders"), "value": len({r.customer_order for r in rows}), "datatype": "Int"},
		{"label": _("Quantity"), "value": flt(sum(r.qty for r in rows), 3), "datatype": "Float"},
	]
