"""The one recompute path: an order's statuses from its ERPNext documents.

`recompute(order_names)` gathers everything with a constant number of queries (whatever the number of
orders and lines), applies the pure rules of `order_mgmt.rules`, and writes only what changed, in
batched UPDATEs. Every document event and the scheduled job end here.
"""

from collections import defaultdict

import frappe
from frappe.query_builder import Case
from frappe.query_builder.functions import Coalesce, NullIf, Sum
from frappe.utils import flt, now_datetime

from order_mgmt.rules import billing, pipeline, product

#: header fields this module owns
HEADER_FIELDS = (
	"status",
	"probability",
	"product_status",
	"per_reserved",
	"per_delivered",
	"invoice_status",
	"per_invoiced",
	"invoiced_amount",
	"payment_status",
	"per_paid",
	"paid_amount",
	"outstanding_amount",
)
LINE_FIELDS = ("product_status", "reserved_qty", "delivered_qty")


def recompute_for_sales_orders(sales_orders) -> list[str]:
	"""Recompute the Customer Orders of these Sales Orders (one query to find them)."""
	sales_orders = [s for s in set(sales_orders or ()) if s]
	if not sales_orders:
		return []
	co = frappe.qb.DocType("Customer Order")
	names = (
		frappe.qb.from_(co)
		.select(co.name)
		.where(co.sales_order.isin(sales_orders) & (co.docstatus == 1))
	).run(pluck=True)
	recompute(names)
	return names


def recompute(order_names) -> dict[str, dict]:
	"""Recompute the statuses of submitted orders; returns {order: {field: new value}} of what changed."""
	order_names = list(set(order_names or ()))
	if not order_names:
		return {}
	data = gather(order_names)
	header_changes, line_changes = evaluate(data)
	write("Customer Order", header_changes)
	write("Customer Order Item", line_changes)
	return header_changes


# --- gather: a fixed number of queries ----------------------------------------------------------------


def gather(order_names: list[str]) -> frappe._dict:
	co = frappe.qb.DocType("Customer Order")
	orders = (
		frappe.qb.from_(co)
		.select(
			co.name,
			co.docstatus,
			co.sales_order,
			co.net_total,
			co.grand_total,
			co.rounded_total,
			*[co[f] for f in HEADER_FIELDS],
		)
		.where(co.name.isin(order_names) & (co.docstatus == 1))
	).run(as_dict=True)
	names = [o.name for o in orders]
	sales_orders = [o.sales_order for o in orders if o.sales_order]

	coi = frappe.qb.DocType("Customer Order Item")
	item = frappe.qb.DocType("Item")
	lines = (
		(
			frappe.qb.from_(coi)
			.left_join(item)
			.on(item.name == coi.item_code)
			.select(
				coi.name,
				coi.parent,
				coi.so_detail,
				coi.qty,
				coi.stock_qty,
				coi.conversion_factor,
				item.is_stock_item,
				*[coi[f] for f in LINE_FIELDS],
			)
			.where(coi.parent.isin(names) & (coi.parenttype == "Customer Order"))
			.orderby(coi.idx)
		).run(as_dict=True)
		if names
		else []
	)

	so_lines, reserved, invoices, advances = {}, {}, [], {}
	if sales_orders:
		soi = frappe.qb.DocType("Sales Order Item")
		so_lines = {
			r.name: r
			for r in (
				frappe.qb.from_(soi)
				.select(soi.name, soi.delivered_qty, soi.conversion_factor)
				.where(soi.parent.isin(sales_orders))
			).run(as_dict=True)
		}
		sre = frappe.qb.DocType("Stock Reservation Entry")
		reserved = dict(
			(
				frappe.qb.from_(sre)
				.select(sre.voucher_detail_no, Sum(sre.reserved_qty - sre.delivered_qty))
				.where(
					(sre.voucher_type == "Sales Order")
					& sre.voucher_no.isin(sales_orders)
					& (sre.docstatus == 1)
					& sre.status.notin(["Delivered", "Cancelled"])
				)
				.groupby(sre.voucher_detail_no)
			).run()
		)
		si = frappe.qb.DocType("Sales Invoice")
		sii = frappe.qb.DocType("Sales Invoice Item")
		invoices = (
			frappe.qb.from_(sii)
			.join(si)
			.on(si.name == sii.parent)
			.select(
				sii.sales_order,
				si.name,
				Sum(sii.net_amount).as_("net_amount"),
				si.net_total,
				Coalesce(NullIf(si.rounded_total, 0), si.grand_total).as_("invoice_total"),
				si.outstanding_amount,
			)
			.where(sii.sales_order.isin(sales_orders) & (si.docstatus == 1) & (si.is_return == 0))
			.groupby(sii.sales_order, si.name)
		).run(as_dict=True)
		pe = frappe.qb.DocType("Payment Entry")
		per = frappe.qb.DocType("Payment Entry Reference")
		advances = dict(
			(
				frappe.qb.from_(per)
				.join(pe)
				.on(pe.name == per.parent)
				.select(per.reference_name, Sum(per.allocated_amount))
				.where(
					(pe.docstatus == 1)
					& (per.reference_doctype == "Sales Order")
					& per.reference_name.isin(sales_orders)
				)
				.groupby(per.reference_name)
			).run()
		)

	return frappe._dict(
		orders=orders,
		lines=lines,
		so_lines=so_lines,
		reserved=reserved,
		invoices=invoices,
		advances=advances,
	)


# --- evaluate: pure rules over the gathered rows ------------------------------------------------------


def evaluate(data) -> tuple[dict, dict]:
	from order_mgmt.order_mgmt.doctype.order_management_settings.order_management_settings import (
		get_probabilities,
	)

	probabilities = get_probabilities()
	lines_by_order = defaultdict(list)
	for line in data.lines:
		lines_by_order[line.parent].append(line)
	invoices_by_so = defaultdict(list)
	for inv in data.invoices:
		invoices_by_so[inv.sales_order].append(inv)

	header_changes, line_changes = {}, {}
	for order in data.orders:
		ordered = delivered = reserved_total = 0.0
		has_stock = False
		statuses = []
		for line in lines_by_order[order.name]:
			so_line = data.so_lines.get(line.so_detail) or frappe._dict()
			cf = flt(so_line.conversion_factor or line.conversion_factor) or 1.0
			delivered_qty = flt(so_line.delivered_qty)
			reserved_qty = flt(data.reserved.get(line.so_detail))
			stock_qty = flt(line.stock_qty) or flt(line.qty) * cf
			facts = product.LineFacts(
				ordered=stock_qty,
				delivered=delivered_qty * cf,
				reserved=reserved_qty,
				is_stock_item=bool(line.is_stock_item),
			)
			status = product.line_status(facts)
			statuses.append(status)
			if line.is_stock_item:
				has_stock = True
				ordered += stock_qty
				delivered += min(delivered_qty * cf, stock_qty)
				reserved_total += reserved_qty
			_diff(
				line_changes,
				line,
				{"product_status": status, "reserved_qty": reserved_qty, "delivered_qty": delivered_qty},
			)

		facts = pipeline.OrderFacts(
			ordered_qty=ordered,
			reserved_qty=reserved_total,
			delivered_qty=delivered,
			has_stock_items=has_stock,
		)
		status = order.status
		target = pipeline.automatic_status(order.status, facts)
		if pipeline.check_transition(order.status, target, pipeline.Action.AUTOMATIC).allowed:
			status = target

		invs = [
			billing.Invoice(
				net_amount=flt(i.net_amount),
				grand_total=flt(i.invoice_total) * _share(i),
				outstanding=flt(i.outstanding_amount) * _share(i),
			)
			for i in invoices_by_so.get(order.sales_order, [])
		]
		order_total = flt(order.rounded_total) or flt(order.grand_total)
		bill = billing.billing(
			flt(order.net_total), order_total, invs, flt(data.advances.get(order.sales_order))
		)
		_diff(
			header_changes,
			order,
			{
				"status": status,
				"probability": probabilities.get(status, 0),
				"product_status": product.order_status(statuses),
				"per_reserved": billing.percent(min(reserved_total + delivered, ordered), ordered),
				"per_delivered": billing.percent(delivered, ordered),
				"invoice_status": bill.invoice_status,
				"per_invoiced": bill.per_invoiced,
				"invoiced_amount": bill.invoiced_amount,
				"payment_status": bill.payment_status,
				"per_paid": bill.per_paid,
				"paid_amount": bill.paid_amount,
				"outstanding_amount": bill.outstanding_amount,
			},
		)
	return header_changes, line_changes


def _share(invoice) -> float:
	"""The part of an invoice that belongs to one Sales Order (an invoice may bill several)."""
	if flt(invoice.net_total) <= 0:
		return 1.0
	return min(flt(invoice.net_amount) / flt(invoice.net_total), 1.0)


def _diff(changes: dict, row, values: dict):
	changed = {}
	for field, value in values.items():
		old = row.get(field)
		if isinstance(value, float) or isinstance(old, float):
			if abs(flt(old) - flt(value)) > 1e-6:
				changed[field] = value
		elif (old or "") != (value or ""):
			changed[field] = value
	if changed:
		changes[row.name] = changed


# --- write: batched, only what changed ----------------------------------------------------------------


def write(doctype: str, changes: dict[str, dict], batch_size: int = 500):
	"""One UPDATE per changed field per batch (CASE over the rows), plus `modified` so that a form opened
	before the change refuses to overwrite it."""
	if not changes:
		return
	table = frappe.qb.DocType(doctype)
	names = list(changes)
	now = now_datetime()
	for start in range(0, len(names), batch_size):
		batch = names[start : start + batch_size]
		by_field = defaultdict(dict)
		for name in batch:
			for field, value in changes[name].items():
				by_field[field][name] = value
		for field, values in by_field.items():
			case = Case()
			for name, value in values.items():
				case = case.when(table.name == name, value)
			frappe.qb.update(table).set(table[field], case).where(table.name.isin(list(values))).run()
		frappe.qb.update(table).set(table.modified, now).where(table.name.isin(batch)).run()
	if doctype == "Customer Order":
		stamp = frappe.qb.update(table).set(table.statuses_updated, now).where(table.name.isin(names))
		stamp.run()
		for name in names[:20]:
			frappe.publish_realtime("doc_update", {"doctype": doctype, "name": name}, doctype=doctype, docname=name, after_commit=True)
