"""Reservation, shipment, invoicing and payment of a Customer Order (R5-R7).

Each action checks the caller's permission on the order and works through ERPNext's own documents and
mappers on the order's Sales Order; the order's statuses follow through the document events
(`order_mgmt.overrides`). REST: `POST /api/method/order_mgmt.api.fulfilment.<action>`.
"""

import json
import math

import frappe
from erpnext.stock.doctype.stock_reservation_entry.stock_reservation_entry import (
	get_sre_reserved_qty_details_for_voucher,
)
from frappe import _
from frappe.utils import escape_html, flt

from order_mgmt import compat, order_figures, stock_guard
from order_mgmt.overrides import events
from order_mgmt.permissions import assert_may_create, get_order
from order_mgmt.rules import availability, billing, pipeline
from order_mgmt.transactions import one_action

#: statuses in which goods may be reserved, delivered, invoiced and paid
ACTIVE = pipeline.OPEN_STATUSES | {pipeline.DELIVERED}


def _order(name: str, ptype: str = "write", action: str = ""):
	order = get_order(name, ptype)
	if action:
		if order.docstatus != 1 or order.status not in ACTIVE:
			frappe.throw(
				_("Cannot {0} order {1}: it is {2}. Only a confirmed order can be worked on.").format(
					_(action), name, _(order.status)
				),
				title=_("Order Not Confirmed"),
			)
		so_status = frappe.db.get_value("Sales Order", order.sales_order, "status")
		if so_status in ("Closed", "On Hold"):
			frappe.throw(
				_(
					"Cannot {0} order {1}: its Sales Order {2} is {3} in ERPNext. {4} the Sales Order there first."
				).format(
					_(action),
					name,
					order.sales_order,
					_(so_status),
					_("Resume") if so_status == "On Hold" else _("Re-open"),
				),
				title=_("Sales Order {0}").format(_(so_status)),
			)
	return order


def _invalid(message: str):
	frappe.throw(message, title=_("Invalid Input"))


def _load_json(value):
	if isinstance(value, str):
		try:
			return json.loads(value)
		except ValueError:
			_invalid(_('The lines could not be read: send a JSON list such as [{"line": "…", "qty": 2}].'))
	return value


def _quantity(value, key) -> float:
	"""A quantity from a client: a finite number greater than 0."""
	if isinstance(value, bool) or not isinstance(value, int | float | str):
		_invalid(_("Line {0}: the quantity must be a number.").format(escape_html(str(key))))
	try:
		qty = float(value)
	except ValueError:
		qty = float("nan")
	if not math.isfinite(qty) or qty <= 0:
		_invalid(
			_("Line {0}: the quantity must be a number greater than 0, not {1}.").format(
				escape_html(str(key)), escape_html(str(value))
			)
		)
	return qty


def _parse(items) -> dict[str, float] | None:
	"""{customer order line or sales order line: qty} from a list of dicts, a dict, or JSON."""
	if items in (None, "", "null"):
		return None
	items = _load_json(items)
	if items is None:
		return None
	out = {}
	if isinstance(items, dict):
		pairs = list(items.items())
	elif isinstance(items, list):
		pairs = []
		for row in items:
			if not isinstance(row, dict):
				_invalid(
					_('Each line must be an object with a line and a qty, e.g. {"line": "…", "qty": 2}.')
				)
			pairs.append((row.get("so_detail") or row.get("line") or row.get("name"), row.get("qty")))
	else:
		_invalid(_('The lines must be a list of {"line": …, "qty": …} objects.'))
	for key, qty in pairs:
		if not isinstance(key, str) or not key:
			_invalid(_("Each line must name a line of the order (its line or so_detail)."))
		out[key] = out.get(key, 0.0) + _quantity(qty, key)
	return out


def _so_detail_map(order) -> dict[str, object]:
	"""Lines reachable by their Customer Order Item name or their Sales Order Item name."""
	out = {}
	for d in order.items:
		out[d.name] = d
		if d.so_detail:
			out[d.so_detail] = d
	return out


def _chosen_lines(order, items):
	wanted = _parse(items)
	lines = _so_detail_map(order)
	if wanted is None:
		return [(d, None) for d in order.items], wanted
	unknown = [k for k in wanted if k not in lines]
	if unknown:
		frappe.throw(
			_("Order {0} has no line {1}.").format(order.name, escape_html(", ".join(unknown))),
			title=_("Unknown Line"),
		)
	return [(lines[k], q) for k, q in wanted.items()], wanted


# --- availability -------------------------------------------------------------------------------------


@frappe.whitelist()
@frappe.read_only()
def get_availability(name: str | None = None) -> list[dict]:
	"""Per line: in stock, reserved for this order, reserved for other orders, available to sell (all in
	stock units; 'reserved' means held by Stock Reservation Entries, ERPNext's Bin.reserved_stock)."""
	order = _order(name, "read")
	pairs = {(d.item_code, d.warehouse) for d in order.items if d.warehouse}
	bins = {}
	if pairs:
		b = frappe.qb.DocType("Bin")
		items = list({p[0] for p in pairs})
		for r in (
			frappe.qb.from_(b)
			.select(b.item_code, b.warehouse, b.actual_qty, b.reserved_stock, b.projected_qty)
			.where(b.item_code.isin(items))
		).run(as_dict=True):
			bins[(r.item_code, r.warehouse)] = r
	own = stock_reserved(order)
	own_by_pair = {}
	for d in order.items:
		key = (d.item_code, d.warehouse)
		own_by_pair[key] = own_by_pair.get(key, 0.0) + own.get(d.so_detail, 0.0)
	out = []
	for d in order.items:
		key = (d.item_code, d.warehouse)
		b = bins.get(key) or frappe._dict()
		others = availability.reserved_for_others(flt(b.reserved_stock), own_by_pair.get(key, 0.0))
		out.append(
			{
				"line": d.name,
				"idx": d.idx,
				"so_detail": d.so_detail,
				"item_code": d.item_code,
				"warehouse": d.warehouse,
				"qty": flt(d.stock_qty),
				"in_stock": flt(b.actual_qty),
				"reserved_for_order": own.get(d.so_detail, 0.0),
				"reserved_for_others": others,
				"available_to_sell": availability.available_to_sell(flt(b.actual_qty), flt(b.reserved_stock)),
				"delivered_qty": flt(d.delivered_qty),
				"product_status": d.product_status,
			}
		)
	return out


def stock_reserved(order) -> dict[str, float]:
	"""Reserved and not yet delivered per Sales Order line of the order, summed over every reservation entry
	of the line (a line reserved in two steps has two): ERPNext's own reader."""
	if not order.sales_order:
		return {}
	return {
		line: flt(qty)
		for line, qty in get_sre_reserved_qty_details_for_voucher("Sales Order", order.sales_order).items()
	}


# --- reservation --------------------------------------------------------------------------------------


@frappe.whitelist(methods=["POST"])
@one_action
@events.batched()
def reserve(name: str | None = None, items: str | list | dict | None = None) -> dict:
	"""Reserve stock for the order: all lines, as much as is free, or `items` = [{line|so_detail, qty}]
	(qty in the line's stock unit; an explicit qty above what is free is refused). Answers what ERPNext
	actually reserved, read back."""
	order = _order(name, "write", "reserve")
	assert_may_create("Stock Reservation Entry", submit=True)
	chosen, wanted = _chosen_lines(order, items)
	chosen = [(d, q) for d, q in chosen if d.so_detail]
	is_stock = set(
		frappe.get_all(
			"Item",
			filters={"name": ("in", list({d.item_code for d, _q in chosen}) or [""]), "is_stock_item": 1},
			pluck="name",
		)
	)
	chosen = [(d, q) for d, q in chosen if d.item_code in is_stock]
	stock_guard.fresh_snapshot()
	bins = stock_guard.lock_bins((d.item_code, d.warehouse) for d, _q in chosen)
	own = stock_guard.reserved_for_lines(d.so_detail for d, _q in chosen)
	so_lines = {
		r.name: r
		for r in frappe.get_all(
			"Sales Order Item",
			filters={"parent": order.sales_order},
			fields=["name", "stock_qty", "delivered_qty", "conversion_factor", "warehouse", "reserve_stock"],
		)
	}
	taken = {}  # reserved in this call per (item, warehouse): the next line sees it
	to_create, refused = [], []
	for d, requested in chosen:
		so_line = so_lines[d.so_detail]
		key = (d.item_code, so_line.warehouse)
		b = bins.get(key) or frappe._dict()
		need = flt(so_line.stock_qty) - flt(so_line.delivered_qty) * flt(so_line.conversion_factor or 1)
		need -= own.get(d.so_detail, 0.0)
		verdict = availability.to_reserve(
			need, flt(b.actual_qty), flt(b.reserved_stock) + taken.get(key, 0.0), requested
		)
		if verdict.qty <= 0:
			refused.append((d, requested, verdict.reason, b, need))
			continue
		taken[key] = taken.get(key, 0.0) + verdict.qty
		to_create.append((d, so_line, verdict.qty))

	if wanted is not None and refused:
		d, requested, reason, b, need = refused[0]
		frappe.throw(
			_(
				"Row {0}: cannot reserve {1} of {2} ({3}). Still to reserve: {4}; in stock: {5}; reserved for orders: {6}; free: {7}."
			).format(
				d.idx,
				flt(requested),
				frappe.bold(d.item_code),
				_(reason),
				flt(max(need, 0)),
				flt(b.actual_qty),
				flt(b.reserved_stock),
				flt(availability.available_to_sell(flt(b.actual_qty), flt(b.reserved_stock))),
			),
			title=_("Cannot Reserve"),
		)
	if not to_create:
		frappe.throw(
			_(
				"Nothing could be reserved for order {0}: its lines are reserved already, or no stock is free."
			).format(order.name),
			title=_("Nothing to Reserve"),
		)

	from erpnext.stock.doctype.stock_reservation_entry.stock_reservation_entry import (
		create_stock_reservation_entries_for_so_items,
	)

	so = frappe.get_doc("Sales Order", order.sales_order)
	# the lines' own ERPNext switch (allow-on-submit), off when reservation was disabled at submit: one UPDATE
	switched_off = [so_line.name for _d, so_line, _q in to_create if not so_line.reserve_stock]
	if switched_off:
		soi = frappe.qb.DocType("Sales Order Item")
		frappe.qb.update(soi).set(soi.reserve_stock, 1).where(soi.name.isin(switched_off)).run()
		so.reload()
	with stock_guard.bins_resynced_at_end():
		create_stock_reservation_entries_for_so_items(
			so,
			items_details=[
				{
					"sales_order_item": so_line.name,
					"warehouse": so_line.warehouse,
					"qty_to_reserve": qty,
					"conversion_factor": 1,  # quantities here are in stock units
				}
				for _d, so_line, qty in to_create
			],
			notify=False,
		)
	# what ERPNext made (it may reserve less than asked when its own reads see less free stock), read back
	# under the lock; and the Bins equal to their entries
	after = stock_guard.reserved_for_lines(d.so_detail for d, _q in chosen)
	made = {}
	for d, _so_line, _qty in to_create:
		qty = flt(after.get(d.so_detail, 0.0) - own.get(d.so_detail, 0.0), 9)
		if qty > 1e-9:
			made[d.name] = qty
	stock_guard.resync_reserved_stock((d.item_code, so_line.warehouse) for d, so_line, _q in to_create)
	if not made:
		frappe.throw(
			_("Nothing could be reserved for order {0}: no stock is free for its lines right now.").format(
				order.name
			),
			title=_("Nothing to Reserve"),
		)
	order_figures.recompute([order.name])
	return {"reserved": made, "lines": get_availability(order.name)}


@frappe.whitelist(methods=["POST"])
@one_action
@events.batched()
def release(name: str | None = None, items: str | list | None = None) -> dict:
	"""Release the order's reservations: all, or those of `items` = [line or so_detail, …]."""
	order = _order(name, "write")
	assert_may_create("Stock Reservation Entry")
	if order.docstatus != 1 or not order.sales_order:
		frappe.throw(
			_("Order {0} has no reservations: it is not confirmed.").format(name), title=_("Nothing Reserved")
		)
	lines = _so_detail_map(order)
	keys = _load_json(items) if items not in (None, "", "null") else None
	if keys is not None:
		if not isinstance(keys, list):
			_invalid(_("The lines to release must be a list of line names."))
		keys = [
			k
			if isinstance(k, str)
			else (k.get("so_detail") or k.get("line"))
			if isinstance(k, dict)
			else None
			for k in keys
		]
		if not all(isinstance(k, str) and k for k in keys):
			_invalid(_("Each line to release must be a line name of the order."))
		unknown = [k for k in keys if k not in lines]
		if unknown:
			frappe.throw(
				_("Order {0} has no line {1}.").format(name, escape_html(", ".join(unknown))),
				title=_("Unknown Line"),
			)
		so_details = {lines[k].so_detail for k in keys}
	else:
		so_details = {d.so_detail for d in order.items if d.so_detail}
	reserved = stock_reserved(order)
	sre_names = frappe.get_all(
		"Stock Reservation Entry",
		filters={
			"voucher_type": "Sales Order",
			"voucher_no": order.sales_order,
			"voucher_detail_no": ("in", list(so_details) or [""]),
			"docstatus": 1,
			"status": ("not in", ["Delivered", "Cancelled"]),
		},
		pluck="name",
		order_by="creation desc",
	)
	if not sre_names or not any(reserved.get(s, 0) > 0 for s in so_details):
		frappe.throw(
			_("Nothing is reserved for these lines of order {0}.").format(name), title=_("Nothing Reserved")
		)
	from erpnext.stock.doctype.stock_reservation_entry.stock_reservation_entry import (
		cancel_stock_reservation_entries,
	)

	pairs = frappe.get_all(
		"Stock Reservation Entry",
		filters={"name": ("in", sre_names)},
		fields=["item_code", "warehouse"],
		distinct=True,
		as_list=True,
	)
	stock_guard.fresh_snapshot()
	stock_guard.lock_bins(pairs)
	with stock_guard.bins_resynced_at_end():
		cancel_stock_reservation_entries(sre_list=sre_names, notify=False)
	stock_guard.resync_reserved_stock(pairs)
	order_figures.recompute([order.name])
	return {"released": len(sre_names), "lines": get_availability(order.name)}


# --- shipment ------------------------------------------------------------------------------------------


@frappe.whitelist(methods=["POST"])
@one_action
@events.batched()
def make_delivery_note(
	name: str | None = None, items: str | list | dict | None = None, submit: int | bool = 0
) -> dict:
	"""A Delivery Note for the order through ERPNext's mapper: what is still to deliver, or `items` =
	[{line|so_detail, qty}] (qty in the line's unit). With `submit`, it is submitted at once (the stock
	is locked first: goods reserved for other orders are never taken)."""
	order = _order(name, "write", "deliver")
	assert_may_create("Delivery Note", submit=bool(submit))
	from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note as map_dn

	chosen, wanted = _chosen_lines(order, items)
	dn = map_dn(order.sales_order, kwargs={})
	still = {r.so_detail: flt(r.qty) for r in dn.items}  # what is still to deliver per line
	if wanted is not None:
		qty_by_so_detail = {d.so_detail: q for d, q in chosen}
		for row in dn.items:
			row.qty = qty_by_so_detail.get(row.so_detail, 0)
		dn.set("items", [row for row in dn.items if flt(row.qty) > 0])
		pending = {r.so_detail: flt(r.qty) for r in dn.items}
		for d, q in chosen:
			if d.so_detail in still and flt(q) > still[d.so_detail] + 1e-9:
				frappe.throw(
					_("Row {0}: {1} of {2} is more than the {3} still to deliver.").format(
						d.idx, flt(q), frappe.bold(d.item_code), still[d.so_detail]
					),
					title=_("Invalid Quantity"),
				)
			if flt(q) <= 0:
				frappe.throw(
					_("Row {0}: the quantity to deliver must be greater than 0.").format(d.idx),
					title=_("Invalid Quantity"),
				)
			if d.so_detail not in pending:
				frappe.throw(
					_("Row {0}: {1} is fully delivered already.").format(d.idx, frappe.bold(d.item_code)),
					title=_("Already Delivered"),
				)
		dn.run_method("calculate_taxes_and_totals")
	if not dn.items:
		frappe.throw(
			_("Everything of order {0} is delivered already.").format(name), title=_("Nothing to Deliver")
		)
	if submit:
		# the Bins locked before ERPNext's first read of them, on a fresh snapshot when this is the request
		pairs = stock_guard.stock_pairs((r.item_code, r.warehouse) for r in dn.items)
		stock_guard.fresh_snapshot()
		stock_guard.lock_bins(pairs)
	dn.insert()
	if submit:
		dn.submit()  # before_submit locks the Bins and checks (order_mgmt.overrides.events)
	return {"delivery_note": dn.name, "docstatus": dn.docstatus}


@frappe.whitelist()
@frappe.read_only()
def get_shipping_log(name: str | None = None) -> list[dict]:
	"""Every delivery of the order (submitted and cancelled Delivery Notes), newest first."""
	order = _order(name, "read")
	if not order.sales_order:
		return []
	dn = frappe.qb.DocType("Delivery Note")
	dni = frappe.qb.DocType("Delivery Note Item")
	return (
		frappe.qb.from_(dni)
		.join(dn)
		.on(dn.name == dni.parent)
		.select(
			dn.name.as_("delivery_note"),
			dn.posting_date,
			dn.posting_time,
			dn.docstatus,
			dn.status,
			dn.is_return,
			dni.item_code,
			dni.item_name,
			dni.qty,
			dni.uom,
			dni.warehouse,
			dni.so_detail,
		)
		.where((dni.against_sales_order == order.sales_order) & (dn.docstatus > 0))
		.orderby(dn.posting_date, order=frappe.qb.desc)
		.orderby(dn.posting_time, order=frappe.qb.desc)
	).run(as_dict=True)


# --- invoicing and payment ------------------------------------------------------------------------------


@frappe.whitelist(methods=["POST"])
@one_action
@events.batched()
def make_sales_invoice(
	name: str | None = None,
	items: str | list | dict | None = None,
	percent: float | None = None,
	submit: int | bool = 0,
) -> dict:
	"""A Sales Invoice for the order through ERPNext's mapper: what is still to bill, `percent` of each
	line's quantity, or `items` = [{line|so_detail, qty}]. Units that must be whole (UOM "Must be Whole
	Number") are rounded to whole quantities when invoicing a percentage (`rounded` in the answer says
	which). Advances paid against the order's Sales Order are allocated by ERPNext (`set_advances`, only
	the payments made against this order)."""
	order = _order(name, "write", "invoice")
	assert_may_create("Sales Invoice", submit=bool(submit))
	from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice as map_si

	si = map_si(order.sales_order)
	rounded = []
	if percent not in (None, ""):
		percent = flt(percent)
		if not 0 < percent <= 100:
			frappe.throw(_("The share to invoice must be between 0 and 100%."), title=_("Invalid Share"))
		ordered = {d.so_detail: flt(d.qty) for d in order.items}
		whole = _whole_number_uoms({row.uom for row in si.items})
		for row in si.items:
			share = flt(ordered.get(row.so_detail) * percent / 100, row.precision("qty"))
			qty = min(flt(row.qty), share)
			if row.uom in whole and qty != int(qty):
				qty = billing.whole_qty(qty, flt(row.qty))
				rounded.append({"so_detail": row.so_detail, "item_code": row.item_code, "qty": qty})
			row.qty = qty
	elif items not in (None, "", "null"):
		chosen, _w = _chosen_lines(order, items)
		qty_by_so_detail = {d.so_detail: q for d, q in chosen}
		to_bill = {row.so_detail: flt(row.qty) for row in si.items}
		for d, q in chosen:
			if flt(q) > to_bill.get(d.so_detail, 0) + 1e-9:
				frappe.throw(
					_("Row {0}: {1} of {2} is more than the {3} still to invoice.").format(
						d.idx, flt(q), frappe.bold(d.item_code), to_bill.get(d.so_detail, 0)
					),
					title=_("Invalid Quantity"),
				)
		for row in si.items:
			row.qty = qty_by_so_detail.get(row.so_detail, 0)
	si.set("items", [row for row in si.items if flt(row.qty) > 0])
	if not si.items:
		frappe.throw(
			_("Everything of order {0} is invoiced already.").format(name), title=_("Nothing to Invoice")
		)
	si.run_method("calculate_taxes_and_totals")
	# the advances paid against this order, as ERPNext's "Get Advances Received" takes them (only payments
	# allocated to the order). The flags are not kept on the invoice: a credit note made from it would copy
	# them and take advances itself.
	si.only_include_allocated_payments = 1
	si.set_advances()
	si.only_include_allocated_payments = 0
	si.allocate_advances_automatically = 0
	si.insert()
	if submit:
		si.submit()
	if rounded:
		frappe.msgprint(
			_("Quantities in whole units were rounded: {0}").format(
				", ".join(f"{r['item_code']} {r['qty']:g}" for r in rounded)
			),
			alert=True,
		)
	return {
		"sales_invoice": si.name,
		"docstatus": si.docstatus,
		"grand_total": si.grand_total,
		"advance": flt(si.total_advance),
		"rounded": rounded,
	}


def _whole_number_uoms(uoms) -> set[str]:
	uoms = [u for u in uoms if u]
	if not uoms:
		return set()
	return set(frappe.get_all("UOM", filters={"name": ("in", uoms), "must_be_whole_number": 1}, pluck="name"))


@frappe.whitelist(methods=["POST"])
@one_action
@events.batched()
def record_payment(
	name: str | None = None,
	amount: float | None = None,
	mode_of_payment: str | None = None,
	reference_no: str | None = None,
) -> dict:
	"""Record a payment through ERPNext's Payment Entry, in the receivable account's currency: against the
	order's open invoices, oldest first, and what is left as an advance against its Sales Order. `amount`
	defaults to what the order owes; it can never be more than the order will owe in all (its total less
	credit notes, payments and advances): an advance is never charged twice. Also on a delivered or
	archived order that still owes money."""
	order = _order(name, "write")
	if order.docstatus != 1 or order.status not in ACTIVE | {pipeline.ARCHIVED}:
		frappe.throw(
			_(
				"Cannot record a payment for order {0}: it is {1}. Only a confirmed order can be worked on."
			).format(name, _(order.status)),
			title=_("Order Not Confirmed"),
		)
	assert_may_create("Payment Entry", submit=True)
	if amount not in (None, "") and not math.isfinite(flt(amount)):
		_invalid(_("The amount must be a number."))
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

	figures = order_figures.gather_money([order.sales_order]).get(order.sales_order)
	if not figures:
		frappe.throw(_("Order {0} has no Sales Order.").format(name), title=_("Order Not Confirmed"))
	owed = billing.billing(figures.money).outstanding_amount
	ceiling = billing.payable(figures.money)
	if amount in (None, ""):
		if owed <= billing.EPS:
			frappe.throw(_("Order {0} owes nothing at present.").format(name), title=_("Nothing Owed"))
		amount = owed
	amount = flt(amount, 2)
	if amount <= 0:
		frappe.throw(_("The amount to pay must be greater than 0."), title=_("Invalid Amount"))
	if amount > ceiling + billing.EPS:
		frappe.throw(
			_("Order {0} owes {1} {2} at most; a payment of {3} is more than that.").format(
				name, figures.currency, ceiling, amount
			),
			title=_("Payment Too High"),
		)
	parts, advance = billing.allocate(amount, figures.invoices, figures.invoice_debt)
	entries = [get_payment_entry("Sales Invoice", inv, party_amount=part) for inv, part in parts]
	if advance > billing.EPS:
		if frappe.db.get_value("Sales Order", order.sales_order, "per_billed") >= 99.99:
			frappe.throw(
				_("Order {0} is fully invoiced and its invoices owe less than {1}.").format(name, amount),
				title=_("Payment Too High"),
			)
		entries.append(get_payment_entry("Sales Order", order.sales_order, party_amount=advance))
	names = []
	for pe in entries:
		if mode_of_payment:
			pe.mode_of_payment = mode_of_payment
		pe.reference_no = reference_no or order.name
		pe.reference_date = pe.reference_date or frappe.utils.nowdate()
		pe.insert()
		pe.submit()
		names.append(pe.name)
	events.flush()  # the order's figures after the payments, not before
	return {"payment_entries": names, **_billing_summary(order.name)}


def _billing_summary(name):
	return frappe.db.get_value("Customer Order", name, list(order_figures.MONEY_FIELDS), as_dict=True)


@frappe.whitelist()
@frappe.read_only()
def customer_debt(customer: str | None = None) -> dict:
	"""A customer's submitted orders that owe money or hold a credit (delivered and archived ones too),
	with what each owes in its receivable currency, and the totals per currency (never added across
	currencies). `outstanding_amount` is the total when all are in one currency."""
	if not customer:
		frappe.throw(_("Name the customer whose debt you want to see."), title=_("Customer Missing"))
	if not frappe.has_permission("Customer Order", "read"):
		frappe.throw(_("Not permitted to read Customer Orders."), frappe.PermissionError)
	orders = frappe.get_list(
		"Customer Order",
		filters={"customer": customer, "docstatus": 1},
		fields=["name", "status", "order_date", "currency", "grand_total", *order_figures.MONEY_FIELDS],
		order_by="order_date asc",
	)
	open_orders = [o for o in orders if abs(flt(o.outstanding_amount)) > billing.EPS]
	totals = {}
	for o in open_orders:
		cur = o.party_account_currency or o.currency
		totals[cur] = flt(totals.get(cur, 0.0) + flt(o.outstanding_amount), 2)
	return {
		"customer": customer,
		"orders": open_orders,
		"outstanding_by_currency": totals,
		"outstanding_amount": next(iter(totals.values()))
		if len(totals) == 1
		else (0.0 if not totals else None),
	}


# --- sources: work orders, purchase orders, material requests ----------------------------------------------


@frappe.whitelist()
@frappe.read_only()
def get_sources(name: str | None = None) -> list[dict]:
	"""Per line: where its goods come from, each source with its status (as stored by the last recompute)."""
	order = _order(name, "read")
	return [
		{
			"line": d.name,
			"idx": d.idx,
			"item_code": d.item_code,
			"product_status": d.product_status,
			"expected_date": d.expected_date,
			"sources": (d.sources or "").splitlines(),
		}
		for d in order.items
	]


@frappe.whitelist(methods=["POST"])
@one_action
@events.batched()
def make_work_orders(name: str | None = None, items: str | list | dict | None = None) -> dict:
	"""Draft Work Orders for the order's lines that have a default BOM and no work order yet (ERPNext's
	own `make_work_orders`), linked to the Sales Order lines."""
	order = _order(name, "write", "plan production for")
	assert_may_create("Work Order")
	from erpnext.selling.doctype.sales_order.sales_order import get_work_order_items
	from erpnext.selling.doctype.sales_order.sales_order import make_work_orders as erpnext_make_work_orders

	chosen, wanted = _chosen_lines(order, items)
	so_details = {d.so_detail for d, _q in chosen}
	rows = [r for r in get_work_order_items(order.sales_order) if r["sales_order_item"] in so_details]
	if wanted is not None:
		qty = {d.so_detail: q for d, q in chosen}
		for r in rows:
			if qty.get(r["sales_order_item"]):
				r["pending_qty"] = min(flt(r["pending_qty"]), qty[r["sales_order_item"]])
	missing_bom = [r["item_code"] for r in rows if not r.get("bom")]
	rows = [r for r in rows if r.get("bom")]
	if not rows:
		frappe.throw(
			_(
				"No work order to make for order {0}: every line with a default BOM has one already{1}."
			).format(
				name, _(" ({0} have no default BOM)").format(", ".join(missing_bom)) if missing_bom else ""
			),
			title=_("Nothing to Produce"),
		)
	names = erpnext_make_work_orders(
		json.dumps({"items": rows}, default=str), order.sales_order, order.company, order.project
	)
	order_figures.recompute([order.name])
	return {"work_orders": names, "without_bom": missing_bom}


@frappe.whitelist(methods=["POST"])
@one_action
@events.batched()
def make_purchase_order(
	name: str | None = None,
	supplier: str | None = None,
	items: str | list | dict | None = None,
	submit: int | bool = 0,
) -> dict:
	"""A Purchase Order for the order's lines (ERPNext's mapper), linked to the Sales Order lines."""
	order = _order(name, "write", "purchase for")
	assert_may_create("Purchase Order", submit=bool(submit))
	if not supplier or not frappe.db.exists("Supplier", supplier):
		frappe.throw(_("Choose an existing supplier."), title=_("Supplier Missing"))
	if frappe.db.get_value("Supplier", supplier, "disabled"):
		frappe.throw(
			_("Supplier {0} is disabled: choose an active supplier.").format(frappe.bold(supplier)),
			title=_("Disabled Supplier"),
		)
	chosen, wanted = _chosen_lines(order, items)
	po = compat.map_purchase_order(order.sales_order, [d.item_code for d, _q in chosen])
	if not po or not po.items:
		frappe.throw(
			_("Everything of order {0} is ordered already.").format(name), title=_("Nothing to Order")
		)
	keep = {d.so_detail: q for d, q in chosen}
	po.set("items", [row for row in po.items if row.sales_order_item in keep])
	for row in po.items:
		if wanted is not None and keep.get(row.sales_order_item):
			line = next(d for d, _q in chosen if d.so_detail == row.sales_order_item)
			if keep[row.sales_order_item] > flt(line.qty) + 1e-9:
				frappe.throw(
					_("Row {0}: {1} is more than the {2} ordered; order at most {2}.").format(
						line.idx, flt(keep[row.sales_order_item]), flt(line.qty)
					),
					title=_("Invalid Quantity"),
				)
			row.qty = keep[row.sales_order_item]
	po.supplier = supplier
	po.run_method("set_missing_values")
	po.run_method("calculate_taxes_and_totals")
	po.insert()
	if submit:
		po.submit()
	order_figures.recompute([order.name])
	return {"purchase_order": po.name, "docstatus": po.docstatus}


@frappe.whitelist(methods=["POST"])
@one_action
@events.batched()
def make_material_request(
	name: str | None = None, material_request_type: str = "Purchase", submit: int | bool = 0
) -> dict:
	"""A Material Request (Purchase, Manufacture or Material Transfer) for what the order still needs
	(ERPNext's mapper), linked to the Sales Order lines."""
	order = _order(name, "write", "request material for")
	assert_may_create("Material Request", submit=bool(submit))
	if material_request_type not in ("Purchase", "Manufacture", "Material Transfer"):
		frappe.throw(
			_("Unknown material request type {0}.").format(escape_html(str(material_request_type))),
			title=_("Invalid Type"),
		)
	from erpnext.selling.doctype.sales_order.sales_order import make_material_request as map_mr

	mr = map_mr(order.sales_order)
	if not mr.items:
		frappe.throw(
			_("Everything of order {0} is requested already.").format(name), title=_("Nothing to Request")
		)
	mr.material_request_type = material_request_type
	mr.insert()
	if submit:
		mr.submit()
	order_figures.recompute([order.name])
	return {"material_request": mr.name, "docstatus": mr.docstatus}
