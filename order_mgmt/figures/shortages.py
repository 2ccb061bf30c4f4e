"""Not enough (R4): the priority pass over all open demand of the items, and the neighbours it moves."""

import hashlib

import frappe
from frappe import _
from frappe.query_builder.functions import Coalesce, NullIf, Sum
from frappe.utils import flt, getdate

from order_mgmt.figures import scope, work_order_parts
from order_mgmt.figures.sources import dedicated_receipts
from order_mgmt.rules import pipeline, product, sources
from order_mgmt.utils import Greatest, in_list, num


def gather_shortages(lines, reserved, line_sources) -> set[str]:
	"""Sales Order lines that stock plus planned receipts cannot cover after higher-priority demand: one
	pass over all open demand for the items involved, only when a line needs it."""
	needy = []
	for line in lines:
		if not line.is_stock_item or not line.so_detail:
			continue
		pending = num(line.stock_qty) - num(line.so_delivered_qty) * num(line.cf)
		booked = num(reserved.get(line.so_detail)) + sum(
			s.open_qty for s in line_sources.get(line.so_detail, ())
		)
		if booked < pending - 1e-9:
			needy.append(line.item_code)
	if not needy:
		return set()
	return shortages(list(set(needy)))


def shortages(items: list[str] | None = None) -> set[str]:
	"""The priority pass (rules.sources.short_lines) over all open Sales Order demand for these items (all
	stock items when None): at most three queries."""
	so = frappe.qb.DocType("Sales Order")
	soi = frappe.qb.DocType("Sales Order Item")
	b = frappe.qb.DocType("Bin")
	open_demand = (
		(so.docstatus == 1)
		& so.status.notin(["Closed", "Completed", "On Hold"])
		& (soi.qty > soi.delivered_qty)
	)
	if items is None:
		# every stock item with open demand: the lines of items that have a Bin (only stock items do)
		item_filter = soi.item_code.isin(frappe.qb.from_(b).select(b.item_code).distinct())
		bin_filter = b.name.isnotnull()
	else:
		item_filter, bin_filter = soi.item_code.isin(items), b.item_code.isin(items)
	bins = (
		frappe.qb.from_(b)
		.select(
			b.item_code,
			b.warehouse,
			b.actual_qty,
			b.ordered_qty,
			b.planned_qty,
			b.reserved_stock,
			b.reserved_qty,
		)
		.where(bin_filter)
	).run(as_dict=True)
	supply = {
		(r.item_code, r.warehouse): flt(r.actual_qty)
		+ flt(r.ordered_qty)
		+ flt(r.planned_qty)
		- flt(r.reserved_stock)
		for r in bins
	}
	# First the Bins: ERPNext keeps in `reserved_qty` what all open Sales Orders still want of the item in
	# the warehouse (a superset of the demand below, so at least its total need). Where that does not
	# exceed the free supply, no line can be short, and the Sales Order lines need not be read at all.
	candidates = sorted(
		{r.item_code for r in bins if flt(r.reserved_qty) > supply[(r.item_code, r.warehouse)] + 1e-9}
	)
	if not candidates:
		return set()
	item_filter = soi.item_code.isin(candidates)
	# A line can only be short where the open need of its item in its warehouse is more than the free
	# supply there: the database adds up the need per item and warehouse (each line's need as in
	# rules.sources.short_lines: pending minus reserved), and only those items' lines take the pass.
	cf = Coalesce(NullIf(soi.conversion_factor, 0), 1)
	need = Greatest(
		soi.stock_qty - soi.delivered_qty * cf - Greatest(soi.stock_reserved_qty - soi.delivered_qty * cf, 0),
		0,
	)
	tight_items = sorted(
		{
			item_code
			for item_code, warehouse, total in (
				frappe.qb.from_(soi)
				.join(so)
				.on(so.name == soi.parent)
				.select(soi.item_code, soi.warehouse, Sum(need))
				.where(item_filter & open_demand)
				.groupby(soi.item_code, soi.warehouse)
			).run()
			if flt(total) > supply.get((item_code, warehouse), 0.0) + 1e-9
		}
	)
	if not tight_items:
		return set()
	dedicated = dedicated_receipts(tight_items)
	for (item_code, warehouse), by_line in dedicated.items():
		supply[(item_code, warehouse)] = supply.get((item_code, warehouse), 0.0) - sum(by_line.values())
	for_line = {}
	for by_line in dedicated.values():
		for line, qty in by_line.items():
			for_line[line] = for_line.get(line, 0.0) + qty
	demands = [
		sources.Demand(
			key=r.name,
			item_code=r.item_code,
			warehouse=r.warehouse,
			pending=flt(r.stock_qty) - flt(r.delivered_qty) * (flt(r.conversion_factor) or 1),
			reserved=max(
				flt(r.stock_reserved_qty) - flt(r.delivered_qty) * (flt(r.conversion_factor) or 1), 0.0
			),
			delivery_date=getdate(r.delivery_date) if r.delivery_date else None,
			confirmed=str(r.creation),
			dedicated=for_line.get(r.name, 0.0),
		)
		for r in (
			frappe.qb.from_(soi)
			.join(so)
			.on(so.name == soi.parent)
			.select(
				soi.name,
				soi.item_code,
				soi.warehouse,
				soi.stock_qty,
				soi.delivered_qty,
				soi.conversion_factor,
				soi.stock_reserved_qty,
				soi.delivery_date,
				so.creation,
			)
			.where(soi.item_code.isin(tight_items) & open_demand)
		).run(as_dict=True)
	]
	return sources.short_lines(demands, supply)


def queue_after_commit(item_codes) -> None:
	"""Stock of these items moved (received, transferred, consumed, reserved, released, delivered) or was
	newly demanded: the other open orders of the same items whose *Not enough* verdict changes, and those
	whose Work Orders wait for them as parts, are recomputed right after the commit, in one job on
	the short queue (the document's own submit stays fast; the nightly run remains the safety net)."""
	items = sorted({i for i in item_codes if i})
	if items:
		frappe.db.after_commit.add(lambda: _enqueue_shortage_recompute(items))


def _enqueue_shortage_recompute(items: list[str]) -> None:
	"""After the commit: the action is done, and nothing here may turn it into an error (a client that sees
	one retries, and would reserve twice). A queue that cannot be reached is logged; the nightly run
	catches the neighbours up."""
	try:
		frappe.enqueue(
			"order_mgmt.figures.shortages.recompute_changed_shortages",
			queue="short",
			items=items,
			job_id=_job_id(items),
			deduplicate=True,
		)
	except Exception:
		from order_mgmt.figures.intake import log_not_queued

		log_not_queued(_("The recompute of the other open orders of items {0}").format(", ".join(items)))
		frappe.db.commit()  # the action was committed already; its Error Log goes with it


def _job_id(items: list[str]) -> str:
	"""One queued job per set of items (Frappe's deduplication): a second commit while one waits adds
	nothing, the job reads after both. Frappe also skips a job whose twin is already *running*, which may have
	read before this commit: then the twin's other id is used, so that a job reading after it is queued."""
	from frappe.utils.background_jobs import get_job_status

	digest = hashlib.sha1("\n".join(items).encode(), usedforsecurity=False).hexdigest()[:16]
	base = f"order_mgmt_shortages::{digest}"  # Frappe adds the site
	for job_id in (base, f"{base}::again"):
		if get_job_status(job_id) != "started":
			return job_id
	return base  # both running: the next commit of these items queues one again


def shortage_flips(items: list[str]) -> set[str]:
	"""Open orders of these items whose stored *Not enough* no longer matches the priority pass (the pass
	and one query). The pass decides only between *Not enough* and *Not booked* (`rules.sources.line_status`:
	a line not covered by what is booked for it), so only lines stored with one of those two are read."""
	if not items:
		return set()
	short = shortages(list(items))
	co, coi = frappe.qb.DocType("Customer Order"), frappe.qb.DocType("Customer Order Item")
	rows = (
		frappe.qb.from_(coi)
		.join(co)
		.on(co.name == coi.parent)
		.select(coi.parent, coi.so_detail, coi.product_status)
		.where(
			in_list(coi.item_code, items)
			& coi.product_status.isin([product.NOT_ENOUGH, product.NOT_BOOKED])
			& scope.open_condition(co)
			& coi.so_detail.isnotnull()
		)
	).run()
	return {
		parent for parent, so_detail, status in rows if (status == product.NOT_ENOUGH) != (so_detail in short)
	}


def waiting_for_parts(items: list[str]) -> set[str]:
	"""Open orders whose Work Orders need any of these items as parts and whose *Not booked* may have moved:
	a Work Order made for a line whose parts are booked now while the line reads *Not booked*, or not booked
	while the line reads otherwise; one of a Production Plan that combined Sales Orders, or typed by hand
	without a line, always (few). Seven queries at most, whatever the number of Work Orders."""
	if not items:
		return set()
	wo, woi = frappe.qb.DocType("Work Order"), frappe.qb.DocType("Work Order Item")
	rows = (
		frappe.qb.from_(woi)
		.join(wo)
		.on(wo.name == woi.parent)
		.select(wo.name, wo.sales_order, wo.sales_order_item, wo.production_plan)
		.distinct()
		.where(
			in_list(woi.item_code, items)
			& (woi.parenttype == "Work Order")
			& (wo.docstatus == 1)
			& wo.status.notin(work_order_parts.CLOSED)
		)
	).run(as_dict=True)
	if not rows:
		return set()
	booked = work_order_parts.parts_booked([r.name for r in rows])
	stored = {}
	lines = sorted({r.sales_order_item for r in rows if r.sales_order_item})
	if lines:
		coi = frappe.qb.DocType("Customer Order Item")
		stored = dict(
			(
				frappe.qb.from_(coi)
				.select(coi.so_detail, coi.product_status)
				.where(coi.so_detail.isin(lines))
			).run()
		)
	sales_orders = set()
	plans = set()
	for r in rows:
		# a Work Order made for one line whose line already reads what its parts say moves nothing (one of
		# a combined Production Plan serves several lines: always re-judged)
		line_status = stored.get(r.sales_order_item) if r.sales_order and r.sales_order_item else None
		if line_status is not None and booked.get(r.name, True) != (line_status == product.NOT_BOOKED):
			continue
		if r.sales_order:
			sales_orders.add(r.sales_order)
		elif r.production_plan:
			plans.add(r.production_plan)
	if plans:
		ref = frappe.qb.DocType("Production Plan Item Reference")
		sales_orders.update(
			(
				frappe.qb.from_(ref)
				.select(ref.sales_order)
				.distinct()
				.where(ref.parent.isin(sorted(plans)) & ref.sales_order.isnotnull())
			).run(pluck=True)
		)
	sales_orders.discard(None)
	if not sales_orders:
		return set()
	co = frappe.qb.DocType("Customer Order")
	return set(
		(
			frappe.qb.from_(co)
			.select(co.name)
			.where(in_list(co.sales_order, sorted(sales_orders)) & scope.open_condition(co))
		).run(pluck=True)
	)


def recompute_changed_shortages(items: list[str]) -> list[str]:
	"""The job queued after a commit: recompute the orders of these items whose *Not enough* verdict moved
	(`shortage_flips`), and the orders whose Work Orders wait for these items as parts (`waiting_for_parts`).
	Returns their names."""
	changed = sorted(shortage_flips(items) | waiting_for_parts(items))
	if changed:
		from order_mgmt.figures.engine import recompute  # the engine gathers through this module

		recompute(changed)
	return changed
