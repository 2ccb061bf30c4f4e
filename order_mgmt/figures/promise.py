"""Promise dates (issue 28): the gather behind `order_mgmt.rules.promise`.

`promise(lines, company)` reads, for any number of lines and items, a fixed number of queries (at most
eight): the items, their default BOMs' components and the components' items, the Bins, the open Purchase
Order lines and Work Orders (as ERPNext counts them in the Bin's ordered and planned quantities), and the
open Sales Order demand summed by item, warehouse and date in SQL (lines with receipts made for them
apart: their receipts cover them first). Nothing is written.

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
from frappe.query_builder.functions import Coalesce, NullIf, Sum
from frappe.utils import cint, flt, formatdate, getdate, nowdate
from pypika.terms import Case, Function, ValueWrapper

from order_mgmt.rules import promise as rule
from order_mgmt.rules import work_orders

EPS = 1e-9


class Greatest(Function):
	def __init__(self, *args):
		super().__init__("GREATEST", *args)


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
	"""{(item, warehouse): rules.promise.Position}: four queries whatever the number of pairs."""
	if not pairs:
		return {}
	codes = sorted({i for i, _w in pairs})
	warehouses = sorted({w for _i, w in pairs})
	stock = defaultdict(lambda: [0.0, 0.0])
	b = frappe.qb.DocType("Bin")
	for item_code, warehouse, actual, reserved in (
		frappe.qb.from_(b)
		.select(b.item_code, b.warehouse, b.actual_qty, b.reserved_stock)
		.where(b.item_code.isin(codes) & b.warehouse.isin(warehouses))
	).run():
		stock[(item_code, warehouse)] = [flt(actual), flt(reserved)]

	receipts = defaultdict(list)
	# open Purchase Order lines, as the Bin's ordered quantity counts them (erpnext.stock.stock_balance)
	po, poi = frappe.qb.DocType("Purchase Order"), frappe.qb.DocType("Purchase Order Item")
	for r in (
		frappe.qb.from_(poi)
		.join(po)
		.on(po.name == poi.parent)
		.select(
			po.name,
			poi.item_code,
			poi.warehouse,
			poi.sales_order_item,
			((poi.qty - poi.received_qty) * Coalesce(NullIf(poi.conversion_factor, 0), 1)).as_("qty"),
			Coalesce(poi.expected_delivery_date, poi.schedule_date).as_("due"),
		)
		.where(
			poi.item_code.isin(codes)
			& poi.warehouse.isin(warehouses)
			& (poi.qty > poi.received_qty)
			& (po.docstatus == 1)
			& po.status.notin(["Closed", "Delivered"])
			& (poi.delivered_by_supplier == 0)
		)
	).run(as_dict=True):
		receipts[(r.item_code, r.warehouse)].append(
			rule.Receipt(
				qty=flt(r.qty),
				due=getdate(r.due) if r.due else None,
				kind=rule.PURCHASE_ORDER,
				name=r.name,
				for_line=r.sales_order_item or "",
			)
		)
	# open Work Orders, as the Bin's planned quantity counts them, dated as the status rules date them
	wo, item = frappe.qb.DocType("Work Order"), frappe.qb.DocType("Item")
	for r in (
		frappe.qb.from_(wo)
		.left_join(item)
		.on(item.name == wo.production_item)
		.select(
			wo.name,
			wo.production_item,
			wo.fg_warehouse,
			wo.sales_order_item,
			(wo.qty - wo.produced_qty).as_("qty"),
			wo.planned_start_date,
			wo.planned_end_date,
			wo.actual_end_date,
			item.lead_time_days,
		)
		.where(
			wo.production_item.isin(codes)
			& wo.fg_warehouse.isin(warehouses)
			& (wo.docstatus == 1)
			& wo.status.notin(["Stopped", "Completed", "Closed"])
			& (wo.qty > wo.produced_qty)
		)
	).run(as_dict=True):
		due = work_orders.expected_date(
			False,
			getdate(r.actual_end_date) if r.actual_end_date else None,
			getdate(r.planned_end_date) if r.planned_end_date else None,
			getdate(r.planned_start_date) if r.planned_start_date else None,
			cint(r.lead_time_days),
		)
		receipts[(r.production_item, r.fg_warehouse)].append(
			rule.Receipt(
				qty=flt(r.qty), due=due, kind=rule.WORK_ORDER, name=r.name, for_line=r.sales_order_item or ""
			)
		)

	# the open Sales Order demand, summed by date in the database; a line with receipts made for it apart
	dedicated = sorted({r.for_line for rows in receipts.values() for r in rows if r.for_line})
	so, soi = frappe.qb.DocType("Sales Order"), frappe.qb.DocType("Sales Order Item")
	cf = Coalesce(NullIf(soi.conversion_factor, 0), 1)
	need = Greatest(
		soi.stock_qty - soi.delivered_qty * cf - Greatest(soi.stock_reserved_qty - soi.delivered_qty * cf, 0),
		0,
	)
	key = Case().when(soi.name.isin(dedicated), soi.name).else_("") if dedicated else ValueWrapper("")
	group = [soi.item_code, soi.warehouse, soi.delivery_date] + ([key] if dedicated else [])
	needs = defaultdict(list)
	for item_code, warehouse, due, line, qty in (
		frappe.qb.from_(soi)
		.join(so)
		.on(so.name == soi.parent)
		.select(soi.item_code, soi.warehouse, soi.delivery_date, key.as_("line"), Sum(need))
		.where(
			soi.item_code.isin(codes)
			& soi.warehouse.isin(warehouses)
			& (so.docstatus == 1)
			# On Hold included: a Sales Order on hold comes back and needs its goods
			& so.status.notin(["Closed", "Completed"])
			& (soi.qty > soi.delivered_qty)
		)
		.groupby(*group)
	).run():
		if flt(qty) > EPS or line:
			needs[(item_code, warehouse)].append(
				rule.Need(flt(qty), getdate(due) if due else None, line or "")
			)

	return {
		pair: rule.Position(
			stock=stock[pair][0],
			reserved=stock[pair][1],
			receipts=tuple(receipts.get(pair, ())),
			needs=tuple(needs.get(pair, ())),
		)
		for pair in pairs
	}


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
