"""Promise dates (issue 28): the gather behind `order_mgmt.rules.promise`. Nothing is written.

`promise(lines, company)` reads a fixed number of queries, at most ten, for any number of lines, items and
open documents (the benchmark site has over 13,000 open Sales Order lines per item): the items, their
default BOMs' components and the components' items, the Bins, the free receipts (open Purchase Order lines
and Work Orders made for no Sales Order line, as ERPNext counts them in the Bin's ordered and planned
quantities) summed by date in SQL, and the open Sales Order demand summed by date in SQL — each line's need
less what the receipts made for it bring; the few lines whose own receipts bring more than they need come
apart with those receipts (the surplus is free on its own date). Receipts of several documents due on one
date are named by the first and how many more ("PO-00042 +2").

The supply and demand are those of the status engine's *Not enough* pass (`rules.sources.short_lines`),
spread over time; where they differ, the promise is the more careful: a Sales Order On Hold still needs its
goods (it comes back), and a receipt nobody can date is not counted. Transfers (Material Requests of type
Material Transfer) count in neither: they move goods between the company's warehouses and are no receipt
until their Stock Entry is made, which the Bins then show. Other quotations take nothing.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import frappe
from frappe import _
from frappe.utils import cint, flt, formatdate, getdate, nowdate

from order_mgmt.rules import promise as rule
from order_mgmt.rules import work_orders

EPS = 1e-9


#: what the Bin's ordered quantity counts (erpnext.stock.stock_balance.get_ordered_qty), and the open quantity
PO_CLOSED = ("Closed", "Delivered")
PO_WHERE = """poi.item_code in %(items)s and poi.warehouse in %(warehouses)s and poi.qty > poi.received_qty
	and po.docstatus = 1 and po.status not in %(po_closed)s and poi.delivered_by_supplier = 0"""
PO_OPEN = "(poi.qty - poi.received_qty) * coalesce(nullif(poi.conversion_factor, 0), 1)"
#: what the Bin's planned quantity counts (get_planned_qty)
WO_CLOSED = ("Stopped", "Completed", "Closed")
WO_WHERE = """wo.production_item in %(items)s and wo.fg_warehouse in %(warehouses)s and wo.docstatus = 1
	and wo.status not in %(wo_closed)s and wo.qty > wo.produced_qty"""
#: an open Sales Order line (On Hold included)
SO_WHERE = """soi.item_code in %(items)s and soi.warehouse in %(warehouses)s and so.docstatus = 1
	and so.status not in ('Closed', 'Completed') and soi.qty > soi.delivered_qty"""
#: an open Sales Order line's unreserved need in stock units, as the *Not enough* pass counts it
NEED = """greatest(soi.stock_qty - soi.delivered_qty * coalesce(nullif(soi.conversion_factor, 0), 1)
	- greatest(soi.stock_reserved_qty - soi.delivered_qty * coalesce(nullif(soi.conversion_factor, 0), 1), 0), 0)"""


def promise(lines: list[dict], company: str | None, today: date | None = None) -> dict[str, rule.Promise]:
	"""{line key: rules.promise.Promise} for `lines` — dicts with key, idx, item_code, qty (stock units),
	warehouse (may be empty: the item's default for the company, else Stock Settings' default) and
	requested (a date or None). Each line's `warehouse` is set to the one promised from."""
	today = today or getdate(nowdate())
	codes = sorted({d["item_code"] for d in lines})
	items = _items(codes, company)
	asks = []
	for d in lines:
		item = items.get(d["item_code"])
		warehouse = d.get("warehouse") or (item.default_warehouse if item else None) or _stock_default()
		d["warehouse"] = warehouse or None  # the caller reads which warehouse was promised from
		asks.append(
			rule.Ask(
				key=d["key"],
				idx=cint(d.get("idx")),
				item_code=d["item_code"],
				warehouse=warehouse or "",
				qty=flt(d["qty"]),
				requested=d.get("requested"),
			)
		)
	# one level of components for the items made by default (Manufacture and a default BOM)
	boms = sorted({i.default_bom for i in items.values() if i.made and i.is_stock_item})
	components = _components(boms)
	comp_items = _items(
		sorted({c.item_code for rows in components.values() for c in rows} - set(codes)), company
	)
	everything = {**comp_items, **items}
	facts = {}
	for code, item in everything.items():
		comps = ()
		if item.made and code in items:
			comps = tuple(
				rule.Component(
					c.item_code,
					c.source_warehouse
					or (everything[c.item_code].default_warehouse if c.item_code in everything else None)
					or _stock_default()
					or "",
					flt(c.stock_qty) / flt(c.quantity) if flt(c.quantity) else 0.0,
				)
				for c in components.get(item.default_bom, ())
			)
		facts[code] = rule.ItemFacts(
			is_stock_item=bool(item.is_stock_item),
			lead_time_days=cint(item.lead_time_days),
			manufactured=bool(item.made),
			components=comps,
		)
	pairs = {
		(a.item_code, a.warehouse)
		for a in asks
		if a.warehouse and facts.get(a.item_code, rule.ItemFacts(False)).is_stock_item
	}
	pairs |= {(c.item_code, c.warehouse) for f in facts.values() for c in f.components if c.warehouse}
	positions = positions_of(pairs, today)
	return rule.promise(asks, positions, facts, today)


def positions_of(pairs: set[tuple[str, str]], today: date) -> dict[tuple[str, str], rule.Position]:
	"""{(item, warehouse): rules.promise.Position}: at most seven queries whatever the number of pairs and of
	open documents — the Bins; the free receipts (made for no Sales Order line) summed by date in SQL; the
	open demand summed by date in SQL (two queries), less what the receipts made for a line cover of it (one,
	which also finds the few lines whose own receipts bring more than they need); those lines' receipts (their
	surplus is free on its own date)."""
	if not pairs:
		return {}
	codes = sorted({i for i, _w in pairs})
	warehouses = sorted({w for _i, w in pairs})
	values = {"items": codes, "warehouses": warehouses, "wo_closed": WO_CLOSED, "po_closed": PO_CLOSED}
	stock = defaultdict(lambda: [0.0, 0.0])
	for item_code, warehouse, actual, reserved in frappe.db.sql(
		"""select item_code, warehouse, actual_qty, reserved_stock from `tabBin`
		where item_code in %(items)s and warehouse in %(warehouses)s""",
		values,
	):
		stock[(item_code, warehouse)] = [flt(actual), flt(reserved)]

	receipts = defaultdict(list)
	# open Purchase Order lines as the Bin's ordered quantity counts them (erpnext.stock.stock_balance), by
	# the supplier's expected date, else the required-by date; one row per item, warehouse and date
	for item_code, warehouse, due, qty, first, count in frappe.db.sql(
		f"""select poi.item_code, poi.warehouse, coalesce(poi.expected_delivery_date, poi.schedule_date) as due,
			sum({PO_OPEN}), min(po.name), count(distinct po.name)
		from `tabPurchase Order Item` poi join `tabPurchase Order` po on po.name = poi.parent
		where {PO_WHERE} and ifnull(poi.sales_order_item, '') = ''
		group by poi.item_code, poi.warehouse, due""",
		values,
	):
		receipts[(item_code, warehouse)].append(
			rule.Receipt(flt(qty), getdate(due) if due else None, rule.PURCHASE_ORDER, _named(first, count))
		)
	# open Work Orders as the Bin's planned quantity counts them, dated as the status rules date them
	for item_code, warehouse, planned_end, planned_start, lead_time, qty, first, count in frappe.db.sql(
		f"""select wo.production_item, wo.fg_warehouse, date(wo.planned_end_date) as planned_end,
			date(wo.planned_start_date) as planned_start, item.lead_time_days, sum(wo.qty - wo.produced_qty),
			min(wo.name), count(*)
		from `tabWork Order` wo left join `tabItem` item on item.name = wo.production_item
		where {WO_WHERE} and ifnull(wo.sales_order_item, '') = ''
		group by wo.production_item, wo.fg_warehouse, planned_end, planned_start, item.lead_time_days""",
		values,
	):
		due = work_orders.expected_date(
			False,
			None,
			getdate(planned_end) if planned_end else None,
			getdate(planned_start) if planned_start else None,
			cint(lead_time),
		)
		receipts[(item_code, warehouse)].append(
			rule.Receipt(flt(qty), due, rule.WORK_ORDER, _named(first, count))
		)

	# the open demand, summed by date in the database: each line's unreserved need (as the *Not enough* pass
	# counts it) less what the receipts made for it bring. Sales Orders On Hold included: they come back.
	needs = defaultdict(list)
	by_date = defaultdict(float)
	# every submitted line not delivered (a line has its Sales Order's docstatus), less those of Sales Orders
	# closed or completed: no join per open line. A Sales Order is Completed only once it is delivered in full
	# (ERPNext caps each line's share of per_delivered at its quantity, so every line is delivered) or when it
	# skips the Delivery Note; only those and the closed ones are read for lines left undelivered.
	for sign, query in (
		(
			1,
			f"""select soi.item_code, soi.warehouse, soi.delivery_date, sum({NEED})
			from `tabSales Order Item` soi
			where soi.item_code in %(items)s and soi.warehouse in %(warehouses)s and soi.docstatus = 1
				and soi.qty > soi.delivered_qty
			group by soi.item_code, soi.warehouse, soi.delivery_date""",
		),
		(
			-1,
			f"""select soi.item_code, soi.warehouse, soi.delivery_date, sum({NEED})
			from `tabSales Order` so straight_join `tabSales Order Item` soi on soi.parent = so.name
			where so.docstatus = 1 and (so.status = 'Closed' or (so.status = 'Completed'
				and (so.skip_delivery_note = 1 or so.per_delivered < 100))) and soi.item_code in %(items)s
				and soi.warehouse in %(warehouses)s and soi.qty > soi.delivered_qty
			group by soi.item_code, soi.warehouse, soi.delivery_date""",
		),
	):
		for item_code, warehouse, due, qty in frappe.db.sql(query, values):
			by_date[(item_code, warehouse, due)] += sign * flt(qty)
	# what the receipts made for a line cover of its need, by the line's date. The receipts drive the join
	# (the Sales Order line by its primary key), so each open document is read once; they are summed per line
	# on the line's name alone, its item and warehouse carried as their places in the lists asked about (a
	# grouping keyed on three names spills to disk on a large site). A line whose own receipts bring more than
	# it needs comes apart: the rest is free on the receipts' dates.
	at = {f"i{n}": code for n, code in enumerate(codes)} | {f"w{n}": w for n, w in enumerate(warehouses)}
	item_at = "field(soi.item_code, " + ", ".join(f"%(i{n})s" for n in range(len(codes))) + ")"
	warehouse_at = "field(soi.warehouse, " + ", ".join(f"%(w{n})s" for n in range(len(warehouses))) + ")"
	surplus = []
	for i, w, due, line, covered, need in frappe.db.sql(
		f"""select i, w, due, case when own > need + 1e-9 then line else '' end as surplus_line,
			sum(least(need, own)), sum(need)
		from (select line, max(i) as i, max(w) as w, max(due) as due, max(need) as need, sum(qty) as own
			from (select soi.name as line, {item_at} as i, {warehouse_at} as w, soi.delivery_date as due,
					{NEED} as need, {PO_OPEN} as qty
				from `tabPurchase Order Item` poi join `tabPurchase Order` po on po.name = poi.parent
				straight_join `tabSales Order Item` soi on soi.name = poi.sales_order_item
					and soi.item_code = poi.item_code and soi.warehouse = poi.warehouse
				straight_join `tabSales Order` so on so.name = soi.parent
				where {PO_WHERE} and ifnull(poi.sales_order_item, '') != '' and {SO_WHERE}
				union all
				select soi.name, {item_at}, {warehouse_at}, soi.delivery_date, {NEED}, wo.qty - wo.produced_qty
				from `tabWork Order` wo
				straight_join `tabSales Order Item` soi on soi.name = wo.sales_order_item
					and soi.item_code = wo.production_item and soi.warehouse = wo.fg_warehouse
				straight_join `tabSales Order` so on so.name = soi.parent
				where {WO_WHERE} and ifnull(wo.sales_order_item, '') != '' and {SO_WHERE}
			) made_for group by line) own
		group by i, w, due, surplus_line""",
		{**values, **at},
	):
		if not (0 < cint(i) <= len(codes) and 0 < cint(w) <= len(warehouses)):
			continue  # cannot be: the line's item and warehouse are among those asked about (SO_WHERE)
		item_code, warehouse = codes[cint(i) - 1], warehouses[cint(w) - 1]
		by_date[(item_code, warehouse, due)] -= flt(covered)
		if line:
			surplus.append((line, item_code, warehouse, due, flt(need)))
	for (item_code, warehouse, due), qty in by_date.items():
		if qty > EPS:
			needs[(item_code, warehouse)].append(rule.Need(qty, getdate(due) if due else None))
	if surplus:
		lines = [r[0] for r in surplus]
		receipts_of = _receipts_of(lines, values)
		for line, item_code, warehouse, due, need in surplus:
			needs[(item_code, warehouse)].append(rule.Need(flt(need), getdate(due) if due else None, line))
			receipts[(item_code, warehouse)].extend(receipts_of.get(line, ()))

	return {
		pair: rule.Position(
			stock=stock[pair][0],
			reserved=stock[pair][1],
			receipts=tuple(receipts.get(pair, ())),
			needs=tuple(needs.get(pair, ())),
		)
		for pair in pairs
	}


def _receipts_of(lines: list[str], values: dict) -> dict[str, list[rule.Receipt]]:
	"""{Sales Order line: the open receipts made for it} (one query)."""
	out = defaultdict(list)
	for kind, name, line, qty, due, planned_end, planned_start, lead_time in frappe.db.sql(
		f"""select 'po', po.name, poi.sales_order_item, {PO_OPEN},
			coalesce(poi.expected_delivery_date, poi.schedule_date), null, null, null
		from `tabPurchase Order Item` poi join `tabPurchase Order` po on po.name = poi.parent
		where {PO_WHERE} and poi.sales_order_item in %(lines)s
		union all
		select 'wo', wo.name, wo.sales_order_item, wo.qty - wo.produced_qty, null, date(wo.planned_end_date),
			date(wo.planned_start_date), item.lead_time_days
		from `tabWork Order` wo left join `tabItem` item on item.name = wo.production_item
		where {WO_WHERE} and wo.sales_order_item in %(lines)s""",
		{**values, "lines": lines},
	):
		if kind == "po":
			out[line].append(
				rule.Receipt(
					flt(qty), getdate(due) if due else None, rule.PURCHASE_ORDER, name, for_line=line
				)
			)
		else:
			when = work_orders.expected_date(
				False,
				None,
				getdate(planned_end) if planned_end else None,
				getdate(planned_start) if planned_start else None,
				cint(lead_time),
			)
			out[line].append(rule.Receipt(flt(qty), when, rule.WORK_ORDER, name, for_line=line))
	return out


def _named(first: str, count: int) -> str:
	"""A receipt summed over several documents due on one date is named by the first and how many more."""
	return first if cint(count) <= 1 else f"{first} +{cint(count) - 1}"


def _items(codes: list[str], company: str | None) -> dict[str, frappe._dict]:
	"""{item: its stock flag, lead time, default BOM, whether it is made by default, default warehouse}."""
	if not codes:
		return {}
	item, default = frappe.qb.DocType("Item"), frappe.qb.DocType("Item Default")
	rows = (
		frappe.qb.from_(item)
		.left_join(default)
		.on(
			(default.parent == item.name)
			& (default.parenttype == "Item")
			& (default.company == (company or ""))
		)
		.select(
			item.name,
			item.is_stock_item,
			item.lead_time_days,
			item.default_bom,
			item.default_material_request_type,
			default.default_warehouse,
		)
		.where(item.name.isin(codes))
	).run(as_dict=True)
	out = {}
	for r in rows:
		r.made = r.default_material_request_type == "Manufacture" and bool(r.default_bom)
		out[r.name] = r
	return out


def _components(boms: list[str]) -> dict[str, list]:
	"""{BOM: its stock components' rows} (one query)."""
	if not boms:
		return {}
	bom, bom_item = frappe.qb.DocType("BOM"), frappe.qb.DocType("BOM Item")
	out = defaultdict(list)
	for r in (
		frappe.qb.from_(bom_item)
		.join(bom)
		.on(bom.name == bom_item.parent)
		.select(bom.name, bom.quantity, bom_item.item_code, bom_item.stock_qty, bom_item.source_warehouse)
		.where(bom.name.isin(boms) & (bom_item.parenttype == "BOM"))
		.orderby(bom_item.idx)
	).run(as_dict=True):
		out[r.name].append(r)
	return out


def _stock_default() -> str | None:
	return frappe.db.get_single_value("Stock Settings", "default_warehouse", cache=True)


# --- what a user reads ---------------------------------------------------------------------------------


def as_dict(p: rule.Promise, warehouse: str = "") -> dict:
	"""A line's promise as the form and integrations read it."""

	def day(d):
		return formatdate(d, "d MMM") if d and d.year == getdate(nowdate()).year else formatdate(d)

	def number(q):
		return frappe.format_value(q, {"fieldtype": "Float"}) if q % 1 else str(int(q))

	return {
		"key": p.key,
		"idx": p.idx,
		"item_code": p.item_code,
		"warehouse": warehouse,
		"stock_qty": p.qty,
		"kind": p.kind,
		"promise_date": str(p.date) if p.date else None,
		"requested_date": str(p.requested) if p.requested else None,
		"indicator": p.indicator,
		"late": p.late,
		"available_on_requested": p.on_requested,
		"text": rule.words(p, _, day, number),
		"warning": rule.warning(p, _, day, number),
		"sources": [
			{
				"kind": part.kind,
				"name": part.name,
				"qty": part.qty,
				"due": str(part.due) if part.due else None,
			}
			for part in p.parts
		],
	}


# --- saving and confirming a draft (issue 28 item 5) ------------------------------------------------------


def late_lines(order, today: date | None = None) -> list[rule.Promise]:
	"""The lines of a draft Customer Order whose requested date (the line's, else the order's) is earlier
	than their promise, or that cannot be promised at all — read as the order stands in memory (the save or
	confirmation at hand)."""
	lines = [
		{
			"key": d.name or str(d.idx),
			"idx": d.idx,
			"item_code": d.item_code,
			"qty": flt(d.stock_qty) or flt(d.qty) * (flt(d.conversion_factor) or 1.0),
			"warehouse": d.warehouse or order.set_warehouse,
			"requested": getdate(d.delivery_date or order.delivery_date)
			if (d.delivery_date or order.delivery_date)
			else None,
		}
		for d in order.items
		if d.item_code and flt(d.qty) > 0
	]
	if not lines or not order.company:
		return []
	result = promise(lines, order.company, today)
	# a line without any warehouse yet is told so on the form (`api.promise`), not warned of here
	placed = {d["key"] for d in lines if d["warehouse"]}
	return sorted((p for p in result.values() if p.warns and p.key in placed), key=lambda p: p.idx)


def warn_late_lines(order, confirming: bool = False) -> str:
	"""Saving or confirming a draft whose requested dates are earlier than the promises: a warning with the
	numbers (how many on the date, from which receipts, the first date that works) that does not block —
	the salesperson may know better — and is kept in the order's timeline (not twice the same). Confirming
	calls it once the Bins of the order's items are locked (`api.customer_order.confirm`), so it re-checks
	what the confirmation meets. Returns the warning ("" when every date holds)."""

	def day(d):
		return formatdate(d)

	def number(q):
		return frappe.format_value(q, {"fieldtype": "Float"}) if q % 1 else str(int(q))

	late = late_lines(order)
	if not late:
		return ""
	if any(p.late for p in late):
		heading = (
			_("Confirmed with delivery dates earlier than the promises:")
			if confirming
			else _("Delivery dates earlier than the promises:")
		)
	else:
		heading = (
			_("Confirmed with lines that cannot be promised:")
			if confirming
			else _("Lines that cannot be promised:")
		)
	text = "<br>".join(
		[frappe.utils.escape_html(heading)]
		+ [frappe.utils.escape_html(rule.warning(p, _, day, number)) for p in late]
	)
	frappe.msgprint(text, title=_("Promise Dates"), indicator="orange", alert=False)
	if order.is_new():
		order.flags.promise_warning = text  # kept by the controller's after_insert, once the order exists
	else:
		keep_warning(order, text)
	return text


def keep_warning(order, text: str) -> None:
	"""The warning in the order's timeline, not twice the same in a row."""
	if text:
		last = frappe.get_all(
			"Comment",
			filters={
				"reference_doctype": order.doctype,
				"reference_name": order.name,
				"comment_type": "Info",
			},
			fields=["content"],
			order_by="creation desc",
			limit=1,
		)
		if not last or last[0].content != text:
			order.add_comment("Info", text)


# --- reserving (issue 28 item 4) --------------------------------------------------------------------------


def warn_taken_from_earlier(reserved: list[tuple[str, str, date, float]]) -> list[str]:
	"""After *Reserve* made its entries, `reserved` = [(item, warehouse, the line's date, qty)]: whether it
	took stock that orders due earlier, not reserved, need (a reservation serves its order first, whatever the
	dates). Says so — the form shows it — and answers the warnings (none: []). One read of the balances, at
	most seven queries."""
	by_pair = defaultdict(list)
	for item_code, warehouse, due, qty in reserved:
		if qty > EPS:
			by_pair[(item_code, warehouse)].append((getdate(due), qty))
	if not by_pair:
		return []
	today = getdate(nowdate())
	positions = positions_of(set(by_pair), today)
	out = []
	for (item_code, warehouse), made in sorted(by_pair.items()):
		worst = rule.taken_from_earlier(rule.Balance(positions[(item_code, warehouse)], today), made)
		if worst:
			out.append(
				rule.taken_words(
					item_code,
					warehouse,
					worst[0],
					worst[1],
					_,
					formatdate,
					lambda q: frappe.format_value(q, {"fieldtype": "Float"}) if q % 1 else str(int(q)),
				)
			)
	if out:
		frappe.msgprint(
			"<br>".join(frappe.utils.escape_html(t) for t in out),
			title=_("Reserved Before Earlier Orders"),
			indicator="orange",
		)
	return out
