"""Ordered Items (R3, R4, R11): every line of the orders with its product status and sources.

Reserved and delivered quantities, product status, expected date and sources are the order line's own:
the recompute stores them from ERPNext's Stock Reservation Entries, Sales Order lines and sources, and the
documents' events and the nightly run keep them current."""

from collections import Counter

import frappe
from frappe import _

from order_mgmt.order_mgmt.report.common import order_columns, permitted_orders


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


def get_lines(orders_sql: str, filters, details: bool = True) -> list[dict]:
	"""The lines of the orders `orders_sql` selects (a subquery, `common.permitted_orders`), with the order's
	customer, status, manager and currency, and the reserved and delivered quantities the recompute stores
	on each line from ERPNext's reservation entries and Sales Order line (one query): the columns of
	Ordered Items, or without `details` those of Delayed Orders (with the line's name, position and the
	order's manager; without item name, amount, reserved quantity, sources)."""
	# what ERPNext delivered counts once the order is confirmed (a cancelled order's stored figures do not)
	delivered = "if(co.docstatus = 1, ifnull(coi.delivered_qty, 0), 0)"
	conditions, values = "", {}
	if filters.get("item_code"):
		conditions += " and coi.item_code = %(item_code)s"
		values["item_code"] = filters.item_code
	if filters.get("product_status"):
		conditions += " and coi.product_status = %(product_status)s"
		values["product_status"] = filters.product_status
	if filters.get("late"):
		# (Delayed Orders, today) only the lines whose stored status is late and that still wait for goods
		conditions += (
			f" and coi.product_status in %(late)s and ifnull(coi.qty, 0) - {delivered} > 0.000000001"
		)
		values["late"] = tuple(filters.late)
	quantities = f"""ifnull(coi.qty, 0) as qty, {delivered} as delivered_qty,
		greatest(round(ifnull(coi.qty, 0) - {delivered}, 6), 0) as pending_qty"""
	if details:  # Ordered Items
		fields = f"""co.name as customer_order, co.customer, co.status, co.currency, coi.item_code,
			coi.item_name, coi.amount, coi.delivery_date, coi.product_status, coi.expected_date, coi.sources,
			if(co.docstatus = 1, ifnull(coi.reserved_qty, 0), 0) as reserved_qty, {quantities}"""
	else:  # Delayed Orders
		fields = f"""coi.name, co.name as customer_order, co.customer, co.status, co.order_manager, coi.idx,
			coi.item_code, coi.delivery_date, coi.product_status, coi.expected_date, {quantities}"""
	return frappe.db.sql(
		f"""
		select {fields}
		from `tabCustomer Order` co
		join `tabCustomer Order Item` coi on coi.parent = co.name and coi.parenttype = 'Customer Order'
		where co.name in ({orders_sql}) {conditions}
		order by co.order_date, co.name, coi.idx""",
		values,
		as_dict=True,
	)


def get_data(filters) -> list[dict]:
	return get_lines(permitted_orders(filters), filters)


def get_chart(rows):
	if not rows:
		return None
	not_set = _("Not set")
	counts = {status or not_set: n for status, n in Counter(r.product_status for r in rows).items()}
	return {
		"data": {"labels": list(counts), "datasets": [{"name": _("Lines"), "values": list(counts.values())}]},
		"type": "donut",
	}
