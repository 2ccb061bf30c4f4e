"""Sources (R4): Work Orders, Purchase Orders and Material Requests of the orders' lines."""

from collections import defaultdict

import frappe
from frappe.query_builder.functions import Coalesce, NullIf
from frappe.utils import cint, flt, getdate

from order_mgmt.figures import work_order_parts
from order_mgmt.rules import sources, work_orders
from order_mgmt.utils import in_list, num


def gather_sources(sales_orders) -> dict[str, list]:
	"""{Sales Order line: [sources.Source]} from the Work Orders, Purchase Orders and Material Requests of the
	Sales Orders, with at most nine queries whatever the number of orders and lines."""
	out = defaultdict(list)
	if not sales_orders:
		return out
	for line, source in _work_order_sources(sales_orders):
		out[line].append(source)
	po = frappe.qb.DocType("Purchase Order")
	po = frappe.qb.DocType("Purchase Order")
	poi = frappe.qb.DocType("Purchase Order Item")
	for r in (
		frappe.qb.from_(poi)
		.join(po)
		.on(po.name == poi.parent)
		.select(
			po.name,
			po.docstatus,
			poi.sales_order_item,
			poi.stock_qty,
			poi.received_qty,
			poi.conversion_factor,
			poi.schedule_date,
			poi.expected_delivery_date,
		)
		.where(
			in_list(poi.sales_order, sales_orders)
			& (po.docstatus < 2)
			& po.status.notin(["Closed", "On Hold"])
		)
	).run(as_dict=True):
		expected = r.expected_delivery_date or r.schedule_date
		out[r.sales_order_item].append(
			sources.Source(
				kind=sources.PURCHASE_ORDER,
				name=r.name,
				qty=flt(r.stock_qty),
				received=flt(r.received_qty) * (flt(r.conversion_factor) or 1),
				requested=r.docstatus == 0,
				expected=getdate(expected) if expected else None,
			)
		)
	mr = frappe.qb.DocType("Material Request")
	mri = frappe.qb.DocType("Material Request Item")
	for r in (
		frappe.qb.from_(mri)
		.join(mr)
		.on(mr.name == mri.parent)
		.select(
			mr.name,
			mr.docstatus,
			mr.material_request_type,
			mr.transfer_status,
			mri.sales_order_item,
			mri.stock_qty,
			mri.qty,
			mri.ordered_qty,
			mri.schedule_date,
		)
		.where(
			in_list(mri.sales_order, sales_orders)
			& (mr.docstatus < 2)
			& mr.status.notin(["Stopped", "Cancelled"])
		)
	).run(as_dict=True):
		cf = flt(r.stock_qty) / flt(r.qty) if flt(r.qty) else 1.0
		if r.material_request_type == "Material Transfer":
			# a transfer order: its required-by date is the planned arrival (and shipment: ERPNext has no
			# transit time); what Stock Entries moved against it counts as received unless it is only in a
			# transit warehouse (transfer_status "In Transit": shipped, not received)
			in_transit = r.transfer_status == "In Transit"
			source = sources.Source(
				kind=sources.TRANSFER,
				name=r.name,
				qty=flt(r.stock_qty),
				received=0.0 if in_transit else flt(r.ordered_qty) * cf,
				requested=r.docstatus == 0,
				expected=getdate(r.schedule_date) if r.schedule_date else None,
				shipped=in_transit or flt(r.ordered_qty) > 0,
			)
		else:
			# what is already ordered (purchase or work order) is counted on that order
			source = sources.Source(
				kind=sources.MATERIAL_REQUEST,
				name=r.name,
				qty=max(flt(r.stock_qty) - flt(r.ordered_qty) * cf, 0.0),
				requested=True,
				expected=getdate(r.schedule_date) if r.schedule_date else None,
			)
		out[r.sales_order_item].append(source)
	return out


def _work_order_sources(sales_orders):
	"""(Sales Order line, sources.Source) for each Work Order of the Sales Orders, six queries at most.

	Attribution: a Work Order carrying the line (`sales_order_item`: made from the Sales Order, or from a
	Production Plan without combining) belongs to it; one from a Production Plan that combined items is
	split over the lines the plan's item references list (`prod_plan_references`, which ERPNext fills
	only when combining; their `item_reference` names the plan row, or — as v15 writes it — the plan row's
	first Sales Order line), in proportion to their quantities; one typed by hand with the Sales Order and
	no line is split over the Sales Order's lines of its item, in proportion to their quantities.

	When production finishes: the actual end once finished; else the planned end date where ERPNext has
	one (it computes it from the operations on submit, or the planner set it), else the planned start plus
	the item's lead time — never `expected_delivery_date`, which ERPNext copies from the customer's date.
	Parts booked (the seed's MO "Not booked"; v15 cannot reserve raw materials for a Work Order): what it
	still needs of each part (required less transferred, or less consumed with backflush) fits in the part's
	free stock at its source warehouse less what the open Work Orders ahead of it still need
	(`figures.work_order_parts`, `rules.work_orders.parts_booked`)."""
	wo = frappe.qb.DocType("Work Order")
	ref = frappe.qb.DocType("Production Plan Item Reference")
	ppi = frappe.qb.DocType("Production Plan Item")
	item = frappe.qb.DocType("Item")
	refs = (
		frappe.qb.from_(ref)
		.select(ref.parent, ref.item_reference, ref.sales_order, ref.sales_order_item, ref.qty)
		.where(
			ref.parent.isin(
				frappe.qb.from_(ref).select(ref.parent).where(in_list(ref.sales_order, sales_orders))
			)
		)
	).run(as_dict=True)
	combined_plans = sorted({r.parent for r in refs})
	belongs = in_list(wo.sales_order, sales_orders)
	if combined_plans:
		belongs |= in_list(wo.production_plan, combined_plans)
	orders = (
		frappe.qb.from_(wo)
		.left_join(ppi)
		.on(ppi.name == wo.production_plan_item)
		.left_join(item)
		.on(item.name == wo.production_item)
		.select(
			wo.name,
			wo.sales_order,
			wo.sales_order_item,
			wo.production_item,
			wo.production_plan,
			wo.production_plan_item,
			ppi.sales_order_item.as_("plan_sales_order_item"),
			wo.qty,
			wo.produced_qty,
			wo.docstatus,
			wo.status,
			wo.skip_transfer,
			wo.planned_start_date,
			wo.planned_end_date,
			wo.actual_start_date,
			wo.actual_end_date,
			wo.material_transferred_for_manufacturing,
			item.lead_time_days,
		)
		.where(belongs & (wo.docstatus < 2) & wo.status.notin(["Stopped", "Closed"]))
	).run(as_dict=True)
	if not orders:
		return []

	# whether each open Work Order's parts are booked (`rules.work_orders.parts_booked`: what it still needs
	# of each part fits in the part's free stock less what the Work Orders ahead of it need; three queries)
	booked = work_order_parts.parts_booked(
		[o.name for o in orders if o.docstatus == 1 and o.status != "Completed"]
	)

	# the Sales Orders' lines of each item, for Work Orders typed by hand without a line
	by_hand = {(o.sales_order, o.production_item) for o in orders if o.sales_order and not o.sales_order_item}
	so_lines = defaultdict(list)
	if by_hand:
		soi = frappe.qb.DocType("Sales Order Item")
		for r in (
			frappe.qb.from_(soi)
			.select(soi.parent, soi.name, soi.item_code, soi.stock_qty)
			.where(in_list(soi.parent, sorted({so for so, _item in by_hand})))
			.orderby(soi.idx)
		).run(as_dict=True):
			so_lines[(r.parent, r.item_code)].append((r.name, num(r.stock_qty)))

	refs_by_row = defaultdict(list)
	for r in refs:
		refs_by_row[(r.parent, r.item_reference)].append((r.sales_order_item, num(r.qty)))
	wanted = set(sales_orders)
	wanted_lines = {r.sales_order_item for r in refs if r.sales_order in wanted}

	out = []
	for o in orders:
		if o.production_plan in combined_plans:
			shares = refs_by_row.get((o.production_plan, o.production_plan_item)) or refs_by_row.get(
				(o.production_plan, o.plan_sales_order_item), []
			)
			total = sum(q for _line, q in shares)
			shares = [(line, q / total) for line, q in shares if line in wanted_lines] if total else []
		elif o.sales_order_item:
			shares = [(o.sales_order_item, 1.0)]
		else:
			lines = so_lines.get((o.sales_order, o.production_item), [])
			total = sum(q for _line, q in lines)
			shares = [(line, q / total) for line, q in lines] if total else []
		if not shares:
			continue
		finished = o.status == "Completed"
		expected = work_orders.expected_date(
			finished,
			getdate(o.actual_end_date) if o.actual_end_date else None,
			getdate(o.planned_end_date) if o.planned_end_date else None,
			getdate(o.planned_start_date) if o.planned_start_date else None,
			cint(o.lead_time_days),
		)
		started = (
			o.status == "In Process"
			or bool(o.actual_start_date)
			or num(o.material_transferred_for_manufacturing) > 0
			or num(o.produced_qty) > 0
		)
		parts_booked = booked.get(o.name, False)
		for line, share in shares:
			out.append(
				(
					line,
					sources.Source(
						kind=sources.WORK_ORDER,
						name=o.name,
						qty=num(o.qty) * share,
						received=num(o.produced_qty) * share,
						requested=o.docstatus == 0,
						expected=expected,
						started=started,
						planned_start=getdate(o.planned_start_date) if o.planned_start_date else None,
						parts_booked=parts_booked or finished,
					),
				)
			)
	return out


def dedicated_receipts(items: list[str]) -> dict[tuple[str, str], dict[str, float]]:
	"""Open planned receipts made for a Sales Order line — purchase order lines and work orders that carry
	it — per (item, warehouse they arrive in) and line, in stock units, counted as ERPNext counts them in
	the Bin's ordered and planned quantities (two queries)."""
	po, poi = frappe.qb.DocType("Purchase Order"), frappe.qb.DocType("Purchase Order Item")
	wo = frappe.qb.DocType("Work Order")
	out: dict[tuple[str, str], dict[str, float]] = {}

	def add(item_code, warehouse, line, qty):
		if line and qty and qty > 0:
			by_line = out.setdefault((item_code, warehouse), {})
			by_line[line] = by_line.get(line, 0.0) + float(qty)

	for r in (
		frappe.qb.from_(poi)
		.join(po)
		.on(po.name == poi.parent)
		.select(
			poi.item_code,
			poi.warehouse,
			poi.sales_order_item,
			(poi.qty - poi.received_qty) * Coalesce(NullIf(poi.conversion_factor, 0), 1),
		)
		.where(
			poi.item_code.isin(items)
			& poi.sales_order_item.isnotnull()
			& (poi.sales_order_item != "")
			& (poi.qty > poi.received_qty)
			& (po.docstatus == 1)
			& po.status.notin(["Closed", "Delivered"])
			& (poi.delivered_by_supplier == 0)
		)
	).run():
		add(*r)
	for r in (
		frappe.qb.from_(wo)
		.select(wo.production_item, wo.fg_warehouse, wo.sales_order_item, wo.qty - wo.produced_qty)
		.where(
			wo.production_item.isin(items)
			& wo.sales_order_item.isnotnull()
			& (wo.sales_order_item != "")
			& (wo.docstatus == 1)
			& wo.status.notin(["Stopped", "Completed", "Closed"])
			& (wo.qty > wo.produced_qty)
		)
	).run():
		add(*r)
	return out


def describe_sources(line, today) -> str:
	"""One line per source, as the order's line shows it: "Work Order MFG-WO-0001: 4 of 10 · Expected on
	time"."""
	if not line.sources and line.reserved <= 0:
		return ""
	parts = []
	if line.reserved > 0:
		parts.append(f"Stock: {flt(line.reserved):g} reserved · {sources.RECEIVED}")
	for src in line.sources:
		status = sources.source_status(src, line.delivery_date, today)
		expected = f", expected {src.expected.isoformat()}" if src.expected and src.open_qty > 0 else ""
		parts.append(f"{src.kind} {src.name}: {flt(src.received):g} of {flt(src.qty):g}{expected} · {status}")
	return "\n".join(parts)
