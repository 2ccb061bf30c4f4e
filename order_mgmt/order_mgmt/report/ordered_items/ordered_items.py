"""Ordered Items (R3, R4, R11): every line of the orders with its product status and sources.

Reserved and delivered quantities are read from ERPNext (Stock Reservation Entries and the Sales Order
lines); the product status, expected date and sources are the order line's own (computed by the app)."""

import frappe
from frappe import _
from frappe.utils import flt

from order_mgmt.order_mgmt.report.common import get_orders, in_values, order_columns


def execute(filters=None):
	filters = frappe._dict(filters or {})
	rows = get_data(filters)
	return get_columns(), rows, None, get_chart(rows), None


def get_columns():
	return [
		*order_columns(150),
		{"label": _("Order Status"), "fieldname": "status", "fieldtype": "Data", "width": 130},
		{"label": _("Item"), "fieldname": "item_code", "fieldtype": "Link", "options": "Item", "width": 130},
		{"label": _("Item Name"), "fieldname": "item_name", "fieldtype": "Data", "width": 150},
		{"label": _("Qty"), "fieldname": "qty", "fieldtype": "Float", "width": 70},
		{
			"label": _("Amount"),
			"fieldname": "amount",
			"fieldtype": "Currency",
			"options": "currency",
			"width": 110,
		},
		{"label": _("Delivery Date"), "fieldname": "delivery_date", "fieldtype": "Date", "width": 100},
		{"label": _("Product Status"), "fieldname": "product_status", "fieldtype": "Data", "width": 130},
		{"label": _("Reserved"), "fieldname": "reserved_qty", "fieldtype": "Float", "width": 80},
		{"label": _("Delivered"), "fieldname": "delivered_qty", "fieldtype": "Float", "width": 80},
		{"label": _("Pending"), "fieldname": "pending_qty", "fieldtype": "Float", "width": 80},
		{"label": _("Expected"), "fieldname": "expected_date", "fieldtype": "Date", "width": 100},
		{"label": _("Sources"), "fieldname": "sources", "fieldtype": "Small Text", "width": 220},
		{
			"label": _("Currency"),
			"fieldname": "currency",
			"fieldtype": "Link",
			"options": "Currency",
			"hidden": 1,
		},
	]


def get_lines(orders, filters) -> list[dict]:
	"""The lines of these orders with ERPNext's reserved and delivered quantities (one query)."""
	if not orders:
		return []
	by_name = {o.name: o for o in orders}
	conditions, values = "", {"orders": in_values(by_name)}
	if filters.get("item_code"):
		conditions += " and coi.item_code = %(item_code)s"
		values["item_code"] = filters.item_code
	if filters.get("product_status"):
		conditions += " and coi.product_status = %(product_status)s"
		values["product_status"] = filters.product_status
	if filters.get("late_or_at_risk"):
		# (Delayed Orders) only lines whose delivery date passed or whose status says they are at risk
		late_before, at_risk = filters.late_or_at_risk
		conditions += " and (coi.delivery_date < %(late_before)s or coi.product_status in %(at_risk)s)"
		values.update(late_before=late_before, at_risk=tuple(at_risk))
	lines = frappe.db.sql(
		f"""
		select coi.name, coi.parent as customer_order, coi.idx, coi.item_code, coi.item_name, coi.qty, coi.stock_qty,
			coi.amount, coi.delivery_date, coi.product_status, coi.expected_date, coi.sources, coi.so_detail,
			soi.delivered_qty as so_delivered_qty, soi.conversion_factor as so_conversion_factor,
			(select sum(sre.reserved_qty - sre.delivered_qty) from `tabStock Reservation Entry` sre
				where sre.voucher_detail_no = coi.so_detail and sre.docstatus = 1
				and sre.voucher_type = 'Sales Order') as reserved
		from `tabCustomer Order Item` coi
		left join `tabSales Order Item` soi on soi.name = coi.so_detail and soi.docstatus = 1
		where coi.parenttype = 'Customer Order' and coi.parent in %(orders)s {conditions}
		order by coi.parent, coi.idx""",
		values,
		as_dict=True,
	)
	for line in lines:
		order = by_name[line.customer_order]
		line.customer = order.customer
		line.status = order.status
		line.currency = order.currency
		line.qty = float(line.qty or 0)
		line.delivered_qty = float(line.so_delivered_qty or 0)
		line.reserved_qty = float(line.pop("reserved") or 0)
		line.pending_qty = max(0.0, round(line.qty - line.delivered_qty, 6))
	return lines


def get_data(filters) -> list[dict]:
	orders = get_orders(filters, ["customer", "status", "currency"])
	return get_lines(orders, filters)


def get_chart(rows):
	if not rows:
		return None
	counts = {}
	for r in rows:
		key = r.product_status or _("Not set")
		counts[key] = counts.get(key, 0) + 1
	return {
		"data": {"labels": list(counts), "datasets": [{"name": _("Lines"), "values": list(counts.values())}]},
		"type": "donut",
	}
