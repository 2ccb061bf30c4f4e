"""Whether Work Orders' parts are booked (issue 28 item 7): the gather behind
`order_mgmt.rules.work_orders.parts_booked`, three queries for any number of Work Orders.

A Work Order's parts are booked when what it still needs of each part (required - transferred with
transfer to work in progress, required - consumed with backflush) fits in the part's stock at its source
warehouse less reserved stock less what the open Work Orders ahead of it still need (turns per part and
warehouse by planned start, then creation; Work Orders of no Customer Order take their turn too).
"""

from __future__ import annotations

from collections import defaultdict

import frappe
from frappe.query_builder.functions import Coalesce
from frappe.utils import flt

from order_mgmt.rules import work_orders as rule

#: Work Orders in these statuses need no more parts
CLOSED = ("Stopped", "Completed", "Closed")


def parts_booked(names: list[str]) -> dict[str, bool]:
	"""{Work Order: its parts are booked} for the Work Orders `names`; one that needs nothing more (or is not
	open) is booked."""
	names = sorted(set(names or ()))
	if not names:
		return {}
	wo, woi, b = (
		frappe.qb.DocType("Work Order"),
		frappe.qb.DocType("Work Order Item"),
		frappe.qb.DocType("Bin"),
	)
	source = Coalesce(woi.source_warehouse, wo.source_warehouse)
	pairs = {
		(item, warehouse)
		for item, warehouse in (
			frappe.qb.from_(woi)
			.join(wo)
			.on(wo.name == woi.parent)
			.select(woi.item_code, source)
			.distinct()
			.where(woi.parent.isin(names) & (woi.parenttype == "Work Order"))
		).run()
		if warehouse
	}
	# every open Work Order needing those parts there: its turn and what it still needs
	needs = defaultdict(list)
	turns = {}
	if pairs:
		for r in (
			frappe.qb.from_(woi)
			.join(wo)
			.on(wo.name == woi.parent)
			.select(
				wo.name,
				wo.planned_start_date,
				wo.creation,
				wo.skip_transfer,
				woi.item_code,
				source.as_("warehouse"),
				woi.required_qty,
				woi.transferred_qty,
				woi.consumed_qty,
			)
			.where(
				woi.item_code.isin(sorted({i for i, _w in pairs}))
				& (woi.parenttype == "Work Order")
				& (wo.docstatus == 1)
				& wo.status.notin(CLOSED)
			)
		).run(as_dict=True):
			pair = (r.item_code, r.warehouse)
			if pair not in pairs:
				continue
			done = flt(r.consumed_qty) if r.skip_transfer else flt(r.transferred_qty)
			needs[r.name].append((pair, max(flt(r.required_qty) - done, 0.0)))
			turns[r.name] = (r.planned_start_date, str(r.creation or ""))
	free = {pair: 0.0 for pair in pairs}
	if pairs:
		for item, warehouse, actual, reserved in (
			frappe.qb.from_(b)
			.select(b.item_code, b.warehouse, b.actual_qty, b.reserved_stock)
			.where(b.item_code.isin(sorted({i for i, _w in pairs})))
		).run():
			if (item, warehouse) in free:
				free[(item, warehouse)] = flt(actual) - flt(reserved)
	booked = rule.parts_booked(
		[rule.PartsNeed(name, turns[name][0], turns[name][1], tuple(rows)) for name, rows in needs.items()],
		free,
	)
	# a Work Order asked without parts (or none left at a known warehouse) needs nothing more
	return {name: booked.get(name, True) for name in names}
