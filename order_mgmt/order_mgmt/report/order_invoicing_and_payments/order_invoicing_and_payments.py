"""Order Invoicing and Payments (R7, R11): what each order has invoiced, what is paid and what the
customer still owes — per order, or per customer (the customer's debt).

The order's own figures: every recompute (`order_mgmt.figures.money`: `gather_money` reads ERPNext's
documents and payment ledger, `order_mgmt.rules.billing` turns them into the figures — README, "What the
money figures mean") stores them on the order, in its receivable currency and in the company currency;
the documents' events and the nightly run keep them current, and the report reads them with one query.
Statuses and percentages are the order's (in its receivable currency); amounts are in the company
currency, so that the totals never add different currencies. Delivered and archived orders are included: an archived order that still owes is still debt.
"""

import functools

import frappe
from frappe import _
from frappe.utils import flt

from order_mgmt.figures import money
from order_mgmt.order_mgmt.report.common import get_orders, order_columns
from order_mgmt.rules import billing

EPS = billing.EPS


def execute(filters=None):
	filters = frappe._dict(filters or {})
	rows = get_data(filters)
	if filters.get("group_by") == "Customer":
		rows = by_customer(rows)
		columns = get_customer_columns()
	else:
		columns = get_columns()
	return columns, rows, None, get_chart(rows, filters), get_summary(rows)


def get_columns():
	cur = {"fieldtype": "Currency", "width": 120, "options": "currency"}
	return [
		*order_columns(160),
		{"label": _("Order Date"), "fieldname": "order_date", "fieldtype": "Date", "width": 100},
		{"label": _("Status"), "fieldname": "status", "fieldtype": "Data", "width": 140},
		{"label": _("Order Total"), "fieldname": "order_total", **cur},
		{"label": _("Invoiced"), "fieldname": "invoiced_amount", **cur},
		{"label": _("Invoice Status"), "fieldname": "invoice_status", "fieldtype": "Data", "width": 110},
		{"label": _("Paid"), "fieldname": "paid_amount", **cur},
		{"label": _("Payment Status"), "fieldname": "payment_status", "fieldtype": "Data", "width": 110},
		{"label": _("Outstanding"), "fieldname": "outstanding_amount", **cur},
		{
			"label": _("Currency"),
			"fieldname": "currency",
			"fieldtype": "Link",
			"options": "Currency",
			"hidden": 1,
		},
	]


def get_customer_columns():
	cur = {"fieldtype": "Currency", "width": 130, "options": "currency"}
	return [
		{
			"label": _("Customer"),
			"fieldname": "customer",
			"fieldtype": "Link",
			"options": "Customer",
			"width": 200,
		},
		{"label": _("Orders"), "fieldname": "orders", "fieldtype": "Int", "width": 80},
		{"label": _("Order Total"), "fieldname": "order_total", **cur},
		{"label": _("Invoiced"), "fieldname": "invoiced_amount", **cur},
		{"label": _("Paid"), "fieldname": "paid_amount", **cur},
		{"label": _("Outstanding"), "fieldname": "outstanding_amount", **cur},
		{
			"label": _("Currency"),
			"fieldname": "currency",
			"fieldtype": "Link",
			"options": "Currency",
			"hidden": 1,
		},
	]


def get_data(filters) -> list[dict]:
	"""One row per order from the figures the recompute stores on it (events and the nightly run keep them
	current): one query whatever the number of orders."""
	_label.cache_clear()  # the user's language may differ from the last request's
	orders = get_orders(
		filters,
		[
			"customer",
			"order_date",
			"status",
			"company",
			"invoice_status",
			"per_invoiced",
			"payment_status",
			"per_paid",
			*money.BASE_MONEY_FIELDS,
		],
		extra_filters=[["Customer Order", "docstatus", "=", 1]],
	)
	currencies = {}
	rows = []
	for o in orders:
		# the stored figures are rounded to the cent already
		outstanding = o.base_outstanding_amount or 0.0
		if filters.get("only_outstanding") and outstanding <= EPS:
			continue
		currency = currencies.get(o.company)
		if currency is None:
			currency = currencies[o.company] = frappe.get_cached_value(
				"Company", o.company, "default_currency"
			)
		rows.append(
			{
				"customer_order": o.name,
				"customer": o.customer,
				"order_date": o.order_date,
				"status": o.status,
				"order_total": o.base_order_total or 0.0,
				"invoiced_amount": round(
					(o.base_invoiced_amount or 0.0) - (o.base_credited_amount or 0.0), 2
				),
				"invoice_status": status_label(
					o.invoice_status or billing.NOT_INVOICED, o.per_invoiced or 0.0, billing.PART_INVOICED
				),
				"paid_amount": o.base_paid_amount or 0.0,
				"payment_status": status_label(
					o.payment_status or billing.NOT_PAID, flt(o.per_paid), billing.PART_PAID
				),
				"outstanding_amount": outstanding,
				"currency": currency,
			}
		)
	return rows


@functools.cache
def _label(text: str) -> str:
	"""A translated label, looked up once per request rather than once per row."""
	return _(text)


def status_label(status: str, per: float, part: str) -> str:
	"""The order's invoice or payment status as a translated label, with its share when partial."""
	if status == part == billing.PART_INVOICED:
		return _label("Part invoiced ({0}%)").format(round(per, 1))
	if status == part == billing.PART_PAID:
		return _label("Part paid ({0}%)").format(round(per, 1))
	return _label(status)


def by_customer(rows) -> list[dict]:
	groups = {}
	for r in rows:
		g = groups.setdefault(
			r["customer"],
			{
				"customer": r["customer"],
				"orders": 0,
				"order_total": 0.0,
				"invoiced_amount": 0.0,
				"paid_amount": 0.0,
				"outstanding_amount": 0.0,
				"currency": r.get("currency"),
			},
		)
		g["orders"] += 1
		for f in ("order_total", "invoiced_amount", "paid_amount", "outstanding_amount"):
			g[f] = flt(g[f] + r[f], 2)
	return sorted(groups.values(), key=lambda g: (-g["outstanding_amount"], g["customer"]))


def get_chart(rows, filters):
	debtors = sorted(
		(r for r in rows if r["outstanding_amount"] > EPS), key=lambda r: -r["outstanding_amount"]
	)[:20]
	if not debtors:
		return None
	label = "customer" if filters.get("group_by") == "Customer" else "customer_order"
	return {
		"data": {
			"labels": [r[label] for r in debtors],
			"datasets": [{"name": _("Outstanding"), "values": [r["outstanding_amount"] for r in debtors]}],
		},
		"type": "bar",
		"fieldtype": "Currency",
	}


def get_summary(rows):
	total = lambda f: flt(sum(r[f] for r in rows), 2)  # noqa: E731
	return [
		{
			"label": _("Invoiced"),
			"value": total("invoiced_amount"),
			"datatype": "Currency",
			"indicator": "Blue",
		},
		{"label": _("Paid"), "value": total("paid_amount"), "datatype": "Currency", "indicator": "Green"},
		{
			"label": _("Outstanding"),
			"value": total("outstanding_amount"),
			"datatype": "Currency",
			"indicator": "Red",
		},
	]


@frappe.whitelist()
@frappe.read_only()
def get_unpaid_amount(filters=None) -> dict:
	"""The "Unpaid Order Amount" number card: what customers owe on all submitted orders the user may read
	(delivered and archived ones included), in the company currency; an order that holds a customer's credit
	does not lower another order's debt."""
	frappe.has_permission("Customer Order", "read", throw=True)
	filters = frappe.parse_json(filters) if isinstance(filters, str) else (filters or {})
	if isinstance(filters, list):
		filters = {}
	rows = get_data(frappe._dict({k: v for k, v in filters.items() if k in ("company", "customer")}))
	currency = (
		frappe.get_cached_value("Company", filters.get("company"), "default_currency")
		if filters.get("company")
		else None
	)
	return {
		"value": flt(sum(max(r["outstanding_amount"], 0.0) for r in rows), 2),
		"fieldtype": "Currency",
		"options": currency or frappe.db.get_default("currency"),
	}
