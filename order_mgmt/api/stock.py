"""Stock of a Customer Order (R5, R6): availability, reservation, release, shipment and its log.

REST: `POST /api/method/order_mgmt.api.stock.<action>` (the former `order_mgmt.api.fulfilment.<action>` paths
stay valid)."""

import frappe
from frappe import _
from frappe.utils import escape_html, flt

from order_mgmt.api.common import chosen_lines, invalid, load_json, order_for, so_detail_map
from order_mgmt.figures import intake, promise
from order_mgmt.permissions import assert_may_create
from order_mgmt.rules import availability
from order_mgmt.services import stock_guard
from order_mgmt.services.transactions import one_action


@frappe.whitelist()
@frappe.read_only()
def get_availability(name: str | None = None) -> list[dict]:
	"""Per line: in stock, reserved for this order, reserved for other orders, available to sell (all in
	stock units; 'reserved' means held by Stock Reservation Entries, ERPNext's Bin.reserved_stock)."""
	return lines_of(order_for(name, "read"))


def lines_of(order) -> list[dict]:
	"""`get_availability` of an order the caller's right on was checked."""
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
	"""Reserved and not yet delivered per Sales Order line of the order (`stock_guard.reserved_by_line`)."""
	return stock_guard.reserved_by_line(sales_orders=[order.sales_order])


# --- reservation --------------------------------------------------------------------------------------


@frappe.whitelist(methods=["POST"])
@one_action
def reserve(name: str | None = None, items: str | list | dict | None = None) -> dict:
	"""Reserve stock for the order: all lines, as much as is free, or `items` = [{line|so_detail, qty}]
	(qty in the line's stock unit; an explicit qty above what is free is refused). Answers what ERPNext
	actually reserved, read back."""
	order = order_for(name, "write", "reserve")
	assert_may_create("Stock Reservation Entry", submit=True)
	chosen, wanted = chosen_lines(order, items)
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
	if not made:
		frappe.throw(
			_("Nothing could be reserved for order {0}: no stock is free for its lines right now.").format(
				order.name
			),
			title=_("Nothing to Reserve"),
		)
	intake.mark_orders([order.name])
	intake.flush()  # the reservations checked; the answer shows the order's fresh figures
	due = {d.name: d.delivery_date or order.delivery_date for d, _q in chosen}
	warnings = promise.warn_taken_from_earlier(
		[(d.item_code, so_line.warehouse, due[d.name], made.get(d.name, 0.0)) for d, so_line, _q in to_create]
	)
	order.reload()  # its figures as the flush wrote them (the caller's right on it was checked)
	return {"reserved": made, "lines": lines_of(order), "warnings": warnings}


@frappe.whitelist(methods=["POST"])
@one_action
def release(name: str | None = None, items: str | list | None = None) -> dict:
	"""Release the order's reservations: all, or those of `items` = [line or so_detail, …]."""
	order = order_for(name, "write")
	assert_may_create("Stock Reservation Entry")
	if order.docstatus != 1 or not order.sales_order:
		frappe.throw(
			_("Order {0} has no reservations: it is not confirmed.").format(name), title=_("Nothing Reserved")
		)
	lines = so_detail_map(order)
	keys = load_json(items) if items not in (None, "", "null") else None
	if keys is not None:
		if not isinstance(keys, list):
			invalid(_("The lines to release must be a list of line names."))
		keys = [
			k
			if isinstance(k, str)
			else (k.get("so_detail") or k.get("line"))
			if isinstance(k, dict)
			else None
			for k in keys
		]
		if not all(isinstance(k, str) and k for k in keys):
			invalid(_("Each line to release must be a line name of the order."))
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
	cancel_stock_reservation_entries(sre_list=sre_names, notify=False)
	intake.mark_orders([order.name])
	intake.flush()  # the answer shows the order's fresh figures
	order.reload()
	return {"released": len(sre_names), "lines": lines_of(order)}


# --- shipment ------------------------------------------------------------------------------------------


@frappe.whitelist(methods=["POST"])
@one_action
def make_delivery_note(
	name: str | None = None, items: str | list | dict | None = None, submit: int | bool = 0
) -> dict:
	"""A Delivery Note for the order through ERPNext's mapper: what is still to deliver, or `items` =
	[{line|so_detail, qty}] (qty in the line's unit). With `submit`, it is submitted at once (the stock
	is locked first: goods reserved for other orders are never taken)."""
	order = order_for(name, "write", "deliver")
	assert_may_create("Delivery Note", submit=bool(submit))
	from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note as map_dn

	chosen, wanted = chosen_lines(order, items)
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
		dn.submit()  # before_submit locks the Bins and checks (order_mgmt.overrides.delivery_note)
	return {"delivery_note": dn.name, "docstatus": dn.docstatus}


@frappe.whitelist()
@frappe.read_only()
def get_shipping_log(name: str | None = None) -> list[dict]:
	"""Every delivery of the order (submitted and cancelled Delivery Notes), newest first."""
	order = order_for(name, "read")
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
