"""Order Invoicing and Payments (R7, R11): what each order has invoiced, what is paid and what the
customer still owes — per order, or per customer (the customer's debt).

Read from ERPNext's documents, in company currency:
- invoiced: submitted Sales Invoices that are not returns or credit notes, the share of each invoice that
  belongs to the order's Sales Order (its lines' net amount over the invoice's net total, applied to the
  invoice's grand total — usually the whole invoice);
- outstanding: the same share of those invoices' outstanding amounts (credit notes against an invoice
  lower its outstanding);
- paid: Payment Entries allocated to those invoices (the same share), plus advances paid against the
  Sales Order that no invoice has used yet.
"""

import functools
from collections import defaultdict

import frappe
from frappe import _
from frappe.utils import flt

from order_mgmt.order_mgmt.report.common import get_orders, in_values, order_columns
from order_mgmt.rules import billing

EPS = 0.005


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
	cur = {"fieldtype": "Currency", "width": 120}
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
	]


def get_customer_columns():
	cur = {"fieldtype": "Currency", "width": 130}
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
	]


def get_data(filters) -> list[dict]:
	_label.cache_clear()  # the user's language may differ from the last request's
	orders = get_orders(
		filters,
		[
			"customer",
			"order_date",
			"status",
			"sales_order",
			"grand_total",
			"rounded_total",
			"net_total",
			"conversion_rate",
		],
		extra_filters=[["Customer Order", "docstatus", "=", 1]],
	)
	figures = get_billing([o.sales_order for o in orders])
	rows = []
	for o in orders:
		f = figures.get(o.sales_order) or frappe._dict(invoiced=0, invoiced_net=0, outstanding=0, paid=0)
		rate = flt(o.conversion_rate) or 1.0
		order_total = flt((o.rounded_total or o.grand_total) * rate, 2)
		invoiced, outstanding = flt(f.invoiced, 2), flt(f.outstanding, 2)
		paid = flt(f.paid, 2)
		row = {
			"customer_order": o.name,
			"customer": o.customer,
			"order_date": o.order_date,
			"status": o.status,
			"order_total": order_total,
			"invoiced_amount": invoiced,
			"invoice_status": invoice_status(f.invoiced_net, flt(o.net_total) * rate),
			"paid_amount": paid,
			"payment_status": payment_status(paid, invoiced, order_total),
			"outstanding_amount": outstanding,
		}
		if filters.get("only_outstanding") and outstanding <= EPS:
			continue
		rows.append(row)
	return rows


def get_billing(sales_orders) -> dict[str, frappe._dict]:
	"""{Sales Order: invoiced (gross), invoiced_net, outstanding, paid} — three queries."""
	out = defaultdict(lambda: frappe._dict(invoiced=0.0, invoiced_net=0.0, outstanding=0.0, paid=0.0))
	if not any(sales_orders):
		return out
	# each invoice's share that belongs to the Sales Order (1 when the invoice bills only that order)
	shares = """
		select x.sales_order, x.net, si.name as invoice, si.conversion_rate, si.base_grand_total,
			si.outstanding_amount, case when si.base_net_total then x.net / si.base_net_total else 0 end as share
		from (
			select sii.parent, sii.sales_order, sum(sii.base_net_amount) as net
			from `tabSales Invoice Item` sii
			where sii.sales_order in %(so)s and sii.docstatus = 1
			group by sii.parent, sii.sales_order
		) x
		join `tabSales Invoice` si on si.name = x.parent
		where si.docstatus = 1 and si.is_return = 0"""
	values = {"so": in_values(sales_orders)}
	for so, net, total, outstanding in frappe.db.sql(
		f"""
		select s.sales_order, sum(s.net), sum(s.base_grand_total * s.share),
			sum(s.outstanding_amount * s.conversion_rate * s.share)
		from ({shares}) s
		group by s.sales_order""",
		values,
	):
		out[so].invoiced_net = flt(net)
		out[so].invoiced = flt(total)
		out[so].outstanding = flt(outstanding)
	# Payment Entries allocated to those invoices (their share) …
	for so, paid in frappe.db.sql(
		f"""
		select s.sales_order, sum(ref.allocated_amount * s.conversion_rate * s.share)
		from ({shares}) s
		join `tabPayment Entry Reference` ref
			on ref.reference_doctype = 'Sales Invoice' and ref.reference_name = s.invoice
		join `tabPayment Entry` pe on pe.name = ref.parent and pe.docstatus = 1
		group by s.sales_order""",
		values,
	):
		out[so].paid += flt(paid)
	# … and advances against the Sales Order that no invoice has taken yet (ERPNext moves an advance's
	# reference from the Sales Order to the invoice when the invoice uses it)
	for so, paid in frappe.db.sql(
		"""
		select ref.reference_name, sum(ref.allocated_amount * so.conversion_rate)
		from `tabPayment Entry Reference` ref
		join `tabPayment Entry` pe on pe.name = ref.parent and pe.docstatus = 1
		join `tabSales Order` so on so.name = ref.reference_name
		where ref.reference_doctype = 'Sales Order' and ref.reference_name in %(so)s
		group by ref.reference_name""",
		values,
	):
		out[so].paid += flt(paid)
	return out


@functools.cache
def _label(text: str) -> str:
	"""A translated label, looked up once per request rather than once per row."""
	return _(text)


def invoice_status(invoiced_net: float, order_net: float) -> str:
	"""The order's invoice status by the app's rule (rules.billing), as a translated label."""
	status, _percent = billing.invoice_status(order_net, invoiced_net)
	if status == billing.PART_INVOICED:
		return _label("Part invoiced ({0}%)").format(round(100 * invoiced_net / order_net, 1))
	return _label(status)


def payment_status(paid: float, invoiced: float, order_total: float) -> str:
	"""The order's payment status by the app's rule (rules.billing), as a translated label."""
	status, _percent = billing.payment_status(invoiced, paid, order_total)
	if status == billing.PART_PAID:
		base = invoiced if invoiced > EPS else order_total
		return _label("Part paid ({0}%)").format(round(100 * paid / base, 1) if base > EPS else 0)
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
def get_unpaid_amount(filters=None) -> dict:
	"""The "Unpaid Amount" number card: what customers owe on all submitted orders the user may read."""
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
		"value": flt(sum(r["outstanding_amount"] for r in rows), 2),
		"fieldtype": "Currency",
		"options": currency or frappe.db.get_default("currency"),
	}
