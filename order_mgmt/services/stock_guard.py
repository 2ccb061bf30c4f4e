"""No item sold twice (R5): reservations and deliveries serialised per item and warehouse.

ERPNext's reservation check takes no lock (see ERPNEXT_NOTES). Here every reservation and delivery first
locks the Bin rows of its items and warehouses (`SELECT … FOR UPDATE`, in a fixed order so two users never
deadlock) and reads the quantities with that lock, so the second of two simultaneous users sees what the
first one reserved or delivered.
"""

import frappe
from frappe import _
from frappe.query_builder.functions import Sum
from frappe.utils import flt

from order_mgmt import compat
from order_mgmt.rules import availability
from order_mgmt.services import transactions
from order_mgmt.utils import in_list


def fresh_snapshot() -> None:
	"""Let an action's reads see what other users committed, without committing anything.

	MariaDB's REPEATABLE READ keeps the snapshot of a transaction's first plain read, which in a request
	comes before the action (authentication, the order). When the action is the request itself and has
	written nothing yet (`transactions.one_action`), rolling back loses nothing, and the reads after the locks that
	follow (ERPNext's own among them) start a new snapshot. Called by other code, nothing is rolled back:
	the decisions rest on locking reads, ERPNext's result is read back, and the Bins are re-summed under
	the lock (`resync_reserved_stock`). On a transaction that reads what is committed at each statement
	(`transactions.reads_committed`) there is no old snapshot to leave."""
	if transactions.may_refresh_snapshot() and not transactions.reads_committed():
		frappe.db.rollback()


def _matches_pairs(table, pairs):
	"""`item_code = i AND warehouse = w` for any of the (item, warehouse) pairs, on `table`."""
	cond = None
	for item, wh in pairs:
		term = (table.item_code == item) & (table.warehouse == wh)
		cond = term if cond is None else cond | term
	return cond


def _bin_rows(pairs):
	b = frappe.qb.DocType("Bin")
	cond = _matches_pairs(b, pairs)
	return (
		frappe.qb.from_(b)
		.select(b.name, b.item_code, b.warehouse, b.actual_qty, b.reserved_stock)
		.where(cond)
		.orderby(b.name)
		.for_update()
	).run(as_dict=True)


def lock_bins(pairs) -> dict[tuple[str, str], frappe._dict]:
	"""Lock the Bins of these (item_code, warehouse) pairs and return their current quantities, read with
	the lock (what is committed now, whatever the transaction's snapshot). Reserved Stock is taken from the
	submitted reservation entries themselves, and the Bin is set to it where it lost count: ERPNext
	re-sums it with a plain read, and writes whole Bins it read without a lock (a Sales Order's submit),
	both of which can see an old snapshot."""
	from erpnext.stock.utils import get_or_make_bin

	pairs = sorted({(i, w) for i, w in pairs if i and w})
	if not pairs:
		return {}
	rows = {(r.item_code, r.warehouse): r for r in _bin_rows(pairs)}
	missing = [p for p in pairs if p not in rows]
	if missing:
		for item, wh in missing:
			get_or_make_bin(item, wh)
		rows.update({(r.item_code, r.warehouse): r for r in _bin_rows(missing)})
	entries = _reserved_by_entries(list(rows))
	for key, b in rows.items():
		right = entries.get(key, 0.0)
		if abs(flt(b.reserved_stock) - right) > 1e-9:
			frappe.db.set_value("Bin", b.name, "reserved_stock", right, update_modified=False)
			b.reserved_stock = right
	return rows


def _reserved_by_entries(pairs) -> dict[tuple[str, str], float]:
	"""Reserved and not yet delivered per (item, warehouse), summed from the submitted reservation entries
	with a locking read (ERPNext's own definition of a Bin's Reserved Stock)."""
	if not pairs:
		return {}
	sre = frappe.qb.DocType("Stock Reservation Entry")
	cond = _matches_pairs(sre, pairs)
	return {
		(r[0], r[1]): flt(r[2])
		for r in (
			frappe.qb.from_(sre)
			.select(sre.item_code, sre.warehouse, Sum(compat.sre_open_qty(sre)))
			.where(cond & (sre.docstatus == 1) & sre.status.notin(compat.SRE_DONE_STATUSES))
			.groupby(sre.item_code, sre.warehouse)
			.for_update()
		).run()
	}


def stock_pairs(pairs) -> list[tuple[str, str]]:
	"""The (item, warehouse) pairs of stock items among these (one query)."""
	pairs = {(i, w) for i, w in pairs if i and w}
	if not pairs:
		return []
	stock = set(
		frappe.get_all(
			"Item", filters={"name": ("in", list({i for i, _w in pairs})), "is_stock_item": 1}, pluck="name"
		)
	)
	return sorted(p for p in pairs if p[0] in stock)


def resync_reserved_stock(pairs) -> None:
	"""Make each Bin's Reserved Stock equal the sum of its submitted reservation entries, under the Bin
	lock (after ERPNext wrote it)."""
	lock_bins(pairs)


def reserved_by_line(sales_orders=(), so_details=(), lock: bool = False) -> dict[str, float]:
	"""Reserved and not yet delivered per Sales Order line — of these Sales Orders, or of these lines —
	summed over every submitted reservation entry of a line (a line reserved in two steps has two): what
	ERPNext's own reader `get_sre_reserved_qty_details_for_voucher` answers for one Sales Order, for any
	number of them in one query. `lock`: a locking read (the caller holds the Bins' locks and must see what
	is committed now). The one reader of this figure in the app."""
	sales_orders = sorted({s for s in sales_orders or () if s})
	so_details = sorted({d for d in so_details or () if d})
	if not sales_orders and not so_details:
		return {}
	sre = frappe.qb.DocType("Stock Reservation Entry")
	which = (
		in_list(sre.voucher_no, sales_orders) if sales_orders else in_list(sre.voucher_detail_no, so_details)
	)
	query = (
		frappe.qb.from_(sre)
		.select(sre.voucher_detail_no, Sum(compat.sre_open_qty(sre)))
		.where(
			(sre.voucher_type == "Sales Order")
			& which
			& (sre.docstatus == 1)
			& sre.status.notin(compat.SRE_DONE_STATUSES)
		)
		.groupby(sre.voucher_detail_no)
	)
	return {line: flt(qty) for line, qty in (query.for_update() if lock else query).run()}


def reserved_for_lines(so_details) -> dict[str, float]:
	"""Reserved and not yet delivered per Sales Order line, read under the lock (locking read)."""
	return reserved_by_line(so_details=so_details, lock=True)


def check_delivery(doc):
	"""Delivery Note before submit: refuse taking goods reserved for another order (R5), read under the Bin
	locks. Nothing else: a delivery beyond what is in stock, with nothing reserved for anybody else, is
	ERPNext's to allow or refuse (Stock Settings → Allow Negative Stock, its own checks and messages)."""
	lines = [d for d in doc.items if d.item_code and d.warehouse and flt(d.stock_qty or d.qty) > 0]
	if not lines or doc.is_return:
		return
	stock_items = set(
		frappe.get_all(
			"Item",
			filters={"name": ("in", list({d.item_code for d in lines})), "is_stock_item": 1},
			pluck="name",
		)
	)
	lines = [d for d in lines if d.item_code in stock_items]
	bins = lock_bins((d.item_code, d.warehouse) for d in lines)
	own = reserved_for_lines(d.so_detail for d in lines)
	wanted, own_by_pair = {}, {}
	for d in lines:
		key = (d.item_code, d.warehouse)
		qty = flt(d.stock_qty) or flt(d.qty) * (flt(d.conversion_factor) or 1)
		wanted[key] = wanted.get(key, 0.0) + qty
	for so_detail, qty in own.items():
		match = next((d for d in lines if d.so_detail == so_detail), None)
		if match:
			key = (match.item_code, match.warehouse)
			own_by_pair[key] = own_by_pair.get(key, 0.0) + qty
	for key, qty in wanted.items():
		b = bins.get(key) or frappe._dict()
		in_stock, reserved, reserved_own = flt(b.actual_qty), flt(b.reserved_stock), own_by_pair.get(key, 0.0)
		if availability.takes_reserved_for_others(qty, in_stock, reserved, reserved_own):
			frappe.throw(
				_(
					"Only {0} of {1} can be delivered from {2}: {3} in stock, {4} reserved for other orders."
				).format(
					flt(availability.deliverable(in_stock, reserved, reserved_own)),
					frappe.bold(key[0]),
					frappe.bold(key[1]),
					in_stock,
					flt(availability.reserved_for_others(reserved, reserved_own)),
				),
				title=_("Reserved for Other Orders"),
			)


def check_reservation(doc):
	"""Stock Reservation Entry before submit (also ERPNext's own Reserve button): refuse reserving more than
	is free, read under the Bin lock."""
	bins = lock_bins([(doc.item_code, doc.warehouse)])
	b = bins.get((doc.item_code, doc.warehouse)) or frappe._dict()
	free = availability.available_to_sell(flt(b.actual_qty), flt(b.reserved_stock))
	if flt(doc.reserved_qty) > free + 1e-9:
		frappe.throw(
			_("Only {0} of {1} are free to reserve in {2}: {3} in stock, {4} reserved for orders.").format(
				flt(free),
				frappe.bold(doc.item_code),
				frappe.bold(doc.warehouse),
				flt(b.actual_qty),
				flt(b.reserved_stock),
			),
			title=_("Not Enough Free Stock"),
		)


def check_reservations(docs) -> None:
	"""Stock Reservation Entries submitted together (ERPNext makes one per line), checked after all are
	submitted, under the Bin locks: none of their Bins may hold more reserved than it has in stock (the
	same verdict as `check_reservation` of each before its submit, one locking read for all)."""
	added = {}
	for doc in docs:
		key = (doc.item_code, doc.warehouse)
		added[key] = added.get(key, 0.0) + flt(doc.reserved_qty)
	if not added:
		return
	bins = lock_bins(added)
	for (item_code, warehouse), qty in added.items():
		b = bins.get((item_code, warehouse)) or frappe._dict()
		if flt(b.reserved_stock) > flt(b.actual_qty) + 1e-9:
			before = flt(b.reserved_stock) - qty
			free = availability.available_to_sell(flt(b.actual_qty), before)
			frappe.throw(
				_(
					"Only {0} of {1} are free to reserve in {2}: {3} in stock, {4} reserved for orders."
				).format(
					flt(free),
					frappe.bold(item_code),
					frappe.bold(warehouse),
					flt(b.actual_qty),
					flt(before),
				),
				title=_("Not Enough Free Stock"),
			)
