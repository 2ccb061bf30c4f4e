"""The one recompute path: every figure the app derives for an order (statuses, quantities, money) from
its ERPNext documents. (The actions users call are `order_mgmt.api.fulfilment`.)

`recompute(order_names)` gathers everything with a constant number of queries (whatever the number of
orders and lines), applies the pure rules of `order_mgmt.rules`, and writes only what changed, in
batched UPDATEs. Every document event and the scheduled job end here.
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal

import frappe
from frappe import _
from frappe.query_builder.functions import Coalesce, NullIf, Sum
from frappe.utils import add_days, cint, flt, getdate, now_datetime
from pypika.terms import ContainsCriterion, Function, LiteralValue

from order_mgmt import compat, notifications, timeline
from order_mgmt.rules import billing, pipeline, product, sources

#: header fields this module owns
#: the order's money figures (R7), in its receivable currency
MONEY_FIELDS = (
	"invoice_status",
	"per_invoiced",
	"invoiced_amount",
	"payment_status",
	"per_paid",
	"paid_amount",
	"outstanding_amount",
	"party_account_currency",
)
#: the same in the company currency, stored for the reports (totals that never add two currencies)
BASE_MONEY_FIELDS = (
	"base_order_total",
	"base_invoiced_amount",
	"base_credited_amount",
	"base_paid_amount",
	"base_outstanding_amount",
)
HEADER_FIELDS = (
	"status",
	"probability",
	"product_status",
	"per_reserved",
	"per_delivered",
	*MONEY_FIELDS,
	*BASE_MONEY_FIELDS,
	"sales_order_status",
	"nothing_to_ship",
)
LINE_FIELDS = ("product_status", "reserved_qty", "delivered_qty", "expected_date", "sources")


def recompute_for_sales_orders(sales_orders, cause=None) -> list[str]:
	"""Recompute the Customer Orders of these Sales Orders (one query to find them). `cause`: the document
	whose change it is, named in the orders' timelines."""
	sales_orders = [s for s in set(sales_orders or ()) if s]
	if not sales_orders:
		return []
	names = orders_of_sales_orders(sales_orders)
	recompute(names, cause=cause)
	return names


def orders_of_sales_orders(sales_orders) -> list[str]:
	"""The submitted Customer Orders of these Sales Orders (one query)."""
	return sorted(
		{n for names in orders_of_sales_orders_by_sales_order(sales_orders).values() for n in names}
	)


def orders_of_sales_orders_by_sales_order(sales_orders) -> dict[str, list[str]]:
	"""{Sales Order: its submitted Customer Orders} (one query)."""
	sales_orders = [s for s in set(sales_orders or ()) if s]
	if not sales_orders:
		return {}
	co = frappe.qb.DocType("Customer Order")
	out = defaultdict(list)
	for name, sales_order in (
		frappe.qb.from_(co)
		.select(co.name, co.sales_order)
		.where(co.sales_order.isin(sales_orders) & (co.docstatus == 1))
	).run():
		out[sales_order].append(name)
	return dict(out)


def recompute(
	order_names,
	today=None,
	short: set[str] | None = None,
	cause=None,
	events: bool = True,
	stats: dict | None = None,
) -> dict[str, dict]:
	"""Recompute the statuses of submitted orders; returns {order: {field: new value}} of what changed.
	`today` is the date the delay statuses are judged on (default: the site's today). `short`: the Sales
	Order lines that stock cannot cover, when the caller already ran the priority pass over all demand
	(the nightly job runs it once for all batches). What changed is written to the orders' timelines as
	their business events, with `cause` (the document whose change it is), unless `events` is False (the
	nightly recalculation). Each order also gets its next-check date (`rules.sources.next_check`: when a
	date alone next changes one of its verdicts), written without touching the order. `stats`, when given,
	receives the numbers of lines read and changed."""
	order_names = list(set(order_names or ()))
	if not order_names:
		return {}
	data = gather(order_names, short=short)
	header_changes, line_changes = evaluate(data, getdate(today))
	notifications.announce(data, header_changes, line_changes, today)  # R17: what the customer is told
	next_checks = {}
	for name in list(header_changes):
		diff = header_changes[name]
		if "next_check" in diff:
			next_checks[name] = {"next_check": diff.pop("next_check")}
			if not diff:
				del header_changes[name]
	write("Customer Order", header_changes)
	write("Customer Order Item", line_changes)
	write("Customer Order", next_checks, touch=False)
	if stats is not None:
		stats["lines"] = stats.get("lines", 0) + len(data.lines)
		stats["lines_changed"] = stats.get("lines_changed", 0) + len(line_changes)
	if events:
		timeline.record_changes(
			{o.name: o for o in data.orders}, header_changes, cause=cause, recomputed=order_names
		)
	return header_changes


def in_list(field, values):
	"""`field IN (…)` with the values escaped once into the SQL text: the same as `field.isin(values)`,
	without a query parameter per value (which costs more than the query itself for a batch of hundreds)."""
	values = tuple(values)
	if not values:
		return field.isin([""])  # matches nothing, as an empty IN would
	# one recompute puts the same names in several queries: each list is escaped once
	text = _escaped.get(values)
	if text is None:
		if len(_escaped) >= 16:
			_escaped.clear()
		text = _escaped[values] = "(" + ",".join(frappe.db.escape(v) for v in values) + ")"
	return ContainsCriterion(field, LiteralValue(text))


_escaped: dict[tuple, str] = {}


# --- gather: a fixed number of queries ----------------------------------------------------------------


def gather(order_names: list[str], short: set[str] | None = None) -> frappe._dict:
	co = frappe.qb.DocType("Customer Order")
	so = frappe.qb.DocType("Sales Order")
	orders = (
		frappe.qb.from_(co)
		.left_join(so)
		.on(so.name == co.sales_order)
		.select(
			co.name,
			co.docstatus,
			co.sales_order,
			co.net_total,
			co.grand_total,
			co.rounded_total,
			co.currency,
			*[co[f] for f in HEADER_FIELDS],
			co.next_check,
			# what the customer was last told, and whom to tell (notifications.announce)
			co.customer,
			co.contact_person,
			*[co[f] for f in notifications.FIELDS],
			so.status.as_("so_status"),
			so.skip_delivery_note,
		)
		.where(in_list(co.name, order_names) & (co.docstatus == 1))
	).run(as_dict=True)
	names = [o.name for o in orders]
	sales_orders = [o.sales_order for o in orders if o.sales_order]

	coi = frappe.qb.DocType("Customer Order Item")
	item = frappe.qb.DocType("Item")
	soi = frappe.qb.DocType("Sales Order Item")
	# each line with its item's stock flag and what its Sales Order line delivered, in one query; the
	# conversion factor is the Sales Order line's (the order's line's before confirmation)
	cf = Coalesce(NullIf(soi.conversion_factor, 0), NullIf(coi.conversion_factor, 0), 1)
	lines = (
		(
			frappe.qb.from_(coi)
			.left_join(item)
			.on(item.name == coi.item_code)
			.left_join(soi)
			.on(soi.name == coi.so_detail)
			.select(
				coi.name,
				coi.parent,
				coi.so_detail,
				Coalesce(NullIf(coi.stock_qty, 0), coi.qty * cf).as_("stock_qty"),
				cf.as_("cf"),
				coi.item_code,
				coi.delivery_date,
				item.is_stock_item,
				soi.delivered_qty.as_("so_delivered_qty"),
				*[coi[f] for f in LINE_FIELDS],
			)
			.where(in_list(coi.parent, names) & (coi.parenttype == "Customer Order"))
			.orderby(coi.idx)
		).run(as_dict=True)
		if names
		else []
	)

	reserved = {}
	if sales_orders:
		sre = frappe.qb.DocType("Stock Reservation Entry")
		reserved = dict(
			(
				frappe.qb.from_(sre)
				.select(sre.voucher_detail_no, Sum(compat.sre_open_qty(sre)))
				.where(
					(sre.voucher_type == "Sales Order")
					& in_list(sre.voucher_no, sales_orders)
					& (sre.docstatus == 1)
					& sre.status.notin(compat.SRE_DONE_STATUSES)
				)
				.groupby(sre.voucher_detail_no)
			).run()
		)
	line_sources = gather_sources(sales_orders)
	if short is None:
		short = gather_shortages(lines, reserved, line_sources)
	return frappe._dict(
		orders=orders,
		lines=lines,
		reserved=reserved,
		# lines delivered on several dates (ERPNext v16's Delivery Schedule; none on v15, no query)
		schedules=compat.delivery_schedules([line.so_detail for line in lines]),
		money=gather_money(sales_orders),
		sources=line_sources,
		short=short,
	)


def gather_money(sales_orders) -> dict[str, frappe._dict]:
	"""{Sales Order: figures} of what ERPNext's documents and payment ledger say about the orders' money,
	with four queries whatever the number of orders: the Sales Orders, their lines with what invoices bill
	of each, their invoices and credit notes, and one aggregate over the Payment Ledger Entries (not
	delinked) against those invoices, credit notes and Sales Orders — the same sums ERPNext's own
	outstanding update reads (`accounts.utils.update_voucher_outstanding`).

	Each figure: `currency` (the receivable account's), `company_currency`, `money` (rules.billing.Money in
	the receivable currency) and `base` (the same in the company currency), `invoices` [(invoice,
	outstanding in receivable currency)] oldest first, and `invoice_debt` (what the invoices and their
	credit notes still hold together)."""
	sales_orders = sorted({s for s in sales_orders or () if s})
	if not sales_orders:
		return {}
	so = frappe.qb.DocType("Sales Order")
	heads = (
		frappe.qb.from_(so)
		.select(
			so.name,
			so.company,
			so.currency,
			so.party_account_currency,
			so.grand_total,
			so.rounded_total,
			so.base_grand_total,
			so.base_rounded_total,
		)
		.where(in_list(so.name, sales_orders))
	).run(as_dict=True)
	soi = frappe.qb.DocType("Sales Order Item")
	si = frappe.qb.DocType("Sales Invoice")
	sii = frappe.qb.DocType("Sales Invoice Item")
	# what invoices (not credit notes) bill of each Sales Order line, as ERPNext's per_billed counts it
	billed = (
		frappe.qb.from_(sii)
		.join(si)
		.on(si.name == sii.parent)
		.select(sii.so_detail, Sum(sii.amount).as_("billed"))
		.where(in_list(sii.sales_order, sales_orders) & (si.docstatus == 1) & (si.is_return == 0))
		.groupby(sii.so_detail)
	)
	# per Sales Order: its lines' total and what invoices bill of it, each line counted up to its amount
	# (one row per order, not per line)
	lines = (
		frappe.qb.from_(soi)
		.left_join(billed)
		.on(billed.so_detail == soi.name)
		.select(
			soi.parent,
			Sum(soi.amount).as_("amount"),
			Sum(Least(Coalesce(billed.billed, 0), Coalesce(soi.amount, 0))).as_("billed"),
		)
		.where(in_list(soi.parent, sales_orders))
		.groupby(soi.parent)
	).run(as_dict=True)
	invoices = (
		frappe.qb.from_(sii)
		.join(si)
		.on(si.name == sii.parent)
		.select(
			sii.sales_order,
			si.name,
			si.is_return,
			si.posting_date,
			si.currency,
			si.party_account_currency,
			si.net_total,
			Sum(sii.net_amount).as_("net_amount"),
			Coalesce(NullIf(si.rounded_total, 0), si.grand_total).as_("total"),
			Coalesce(NullIf(si.base_rounded_total, 0), si.base_grand_total).as_("base_total"),
			si.outstanding_amount,
		)
		.where(in_list(sii.sales_order, sales_orders) & (si.docstatus == 1))
		.groupby(sii.sales_order, si.name)
		.orderby(si.posting_date)
		.orderby(si.name)
	).run(as_dict=True)
	ple = frappe.qb.DocType("Payment Ledger Entry")
	vouchers = sorted({i.name for i in invoices})
	against = (ple.against_voucher_type == "Sales Order") & in_list(ple.against_voucher_no, sales_orders)
	if vouchers:
		against |= (ple.against_voucher_type == "Sales Invoice") & in_list(ple.against_voucher_no, vouchers)
	ledger = (
		frappe.qb.from_(ple)
		.select(
			ple.against_voucher_type,
			ple.against_voucher_no,
			ple.account_currency,
			Sum(ple.amount_in_account_currency).as_("amount"),
			Sum(ple.amount).as_("base_amount"),
		)
		.where((ple.delinked == 0) & against)
		.groupby(ple.against_voucher_type, ple.against_voucher_no, ple.account_currency)
	).run(as_dict=True)
	# ERPNext v16 keeps the Sales Orders' advances in its advance ledger (compat; nothing on v15)
	ledger += compat.sales_order_advances(sales_orders)
	by_voucher = defaultdict(list)
	for r in ledger:
		by_voucher[r.against_voucher_no].append(r)

	out = {}
	for head in heads:
		out[head.name] = frappe._dict(
			head=head,
			currency=None,
			company_currency=frappe.get_cached_value("Company", head.company, "default_currency"),
			line_total=0.0,
			billed_lines=0.0,
			parts=[],
		)
	for line in lines:
		f = out.get(line.parent)
		if f:
			f.line_total += _num(line.amount)
			f.billed_lines += _num(line.billed)
	for inv in invoices:
		f = out.get(inv.sales_order)
		if f:
			f.parts.append(inv)
			f.currency = f.currency or inv.party_account_currency
	for name, f in out.items():
		head = f.head
		for r in by_voucher.get(name, ()):
			f.currency = r.account_currency or f.currency
		f.currency = f.currency or head.party_account_currency or head.currency
		totals = {}
		for base in (False, True):
			# the order's total as ERPNext measures advances against it (set_total_advance_paid)
			if base or f.currency != head.currency:
				order_total = _num(head.base_rounded_total) or _num(head.base_grand_total)
			else:
				order_total = _num(head.rounded_total) or _num(head.grand_total)
			invoiced = credited = outstanding = 0.0
			for inv in f.parts:
				share = _invoice_share(inv)
				if base or inv.party_account_currency != inv.currency:
					total = _num(inv.base_total)
				else:
					total = _num(inv.total)
				if inv.is_return:
					credited -= total * share
				else:
					invoiced += total * share
				field = "base_amount" if base else "amount"
				outstanding += sum(_num(r[field]) for r in by_voucher.get(inv.name, ())) * share
			advance = -sum(_num(r["base_amount" if base else "amount"]) for r in by_voucher.get(name, ()))
			totals[base] = billing.Money(
				order_total=order_total,
				line_total=f.line_total,
				billed_lines=f.billed_lines,
				invoiced=invoiced,
				credited=credited,
				ledger_outstanding=outstanding,
				advance=advance,
			)
		f.money, f.base = totals[False], totals[True]
		# what Record Payment may allocate to: the invoices' own open amounts, oldest first
		seen = set()
		f.invoices = []
		for inv in f.parts:
			if inv.is_return or inv.name in seen:
				continue
			seen.add(inv.name)
			own = sum(_num(r.amount) for r in by_voucher.get(inv.name, ()))
			if own > billing.EPS:
				f.invoices.append((inv.name, round(own, 2)))
		f.invoice_debt = round(f.money.ledger_outstanding, 2)
		del f["parts"], f["head"]
	return out


def _invoice_share(invoice) -> float:
	"""The part of an invoice (or credit note) that belongs to one Sales Order (an invoice may bill several;
	usually 1)."""
	if abs(_num(invoice.net_total)) <= billing.EPS:
		return 1.0
	return min(abs(_num(invoice.net_amount) / _num(invoice.net_total)), 1.0)


def gather_sources(sales_orders) -> dict[str, list]:
	"""{Sales Order line: [sources.Source]} from the Work Orders, Purchase Orders and Material Requests of the
	Sales Orders, with at most seven queries whatever the number of orders and lines."""
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
	"""(Sales Order line, sources.Source) for each Work Order of the Sales Orders, four queries at most.

	Attribution: a Work Order carrying the line (`sales_order_item`: made from the Sales Order, or from a
	Production Plan without combining) belongs to it; one from a Production Plan that combined items is
	split over the lines the plan's item references list (`prod_plan_references`, which ERPNext fills
	only when combining; their `item_reference` names the plan row, or — as v15 writes it — the plan row's
	first Sales Order line), in proportion to their quantities; one typed by hand with the Sales Order and
	no line is split over the Sales Order's lines of its item, in proportion to their quantities.

	When production finishes: the actual end once finished; else the planned end date where ERPNext has
	one (it computes it from the operations on submit, or the planner set it), else the planned start plus
	the item's lead time — never `expected_delivery_date`, which ERPNext copies from the customer's date.
	Parts booked (the seed's MO "Not booked"; v15 cannot reserve raw materials for a Work Order): with
	transfer to work in progress, all of the Work Order's materials are transferred for manufacture; with
	backflush (`skip_transfer`), each required item not yet consumed is available in its source warehouse."""
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

	# backflushed Work Orders whose required items are not all available in their source warehouses
	backflush = [o.name for o in orders if o.skip_transfer and o.docstatus == 1 and o.status != "Completed"]
	missing_parts = set()
	if backflush:
		woi = frappe.qb.DocType("Work Order Item")
		b = frappe.qb.DocType("Bin")
		missing_parts = set(
			(
				frappe.qb.from_(woi)
				.left_join(b)
				.on((b.item_code == woi.item_code) & (b.warehouse == woi.source_warehouse))
				.select(woi.parent)
				.distinct()
				.where(
					in_list(woi.parent, backflush)
					& (woi.required_qty - woi.consumed_qty > Coalesce(b.actual_qty, 0) + 1e-9)
				)
			).run(pluck=True)
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
			so_lines[(r.parent, r.item_code)].append((r.name, _num(r.stock_qty)))

	refs_by_row = defaultdict(list)
	for r in refs:
		refs_by_row[(r.parent, r.item_reference)].append((r.sales_order_item, _num(r.qty)))
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
		if finished and o.actual_end_date:
			expected = getdate(o.actual_end_date)
		elif o.planned_end_date:
			expected = getdate(o.planned_end_date)
		elif o.planned_start_date:
			expected = add_days(getdate(o.planned_start_date), cint(o.lead_time_days))
		else:
			expected = None
		started = (
			o.status == "In Process"
			or bool(o.actual_start_date)
			or _num(o.material_transferred_for_manufacturing) > 0
			or _num(o.produced_qty) > 0
		)
		if o.skip_transfer:
			parts_booked = o.name not in missing_parts
		else:
			parts_booked = _num(o.material_transferred_for_manufacturing) >= _num(o.qty) - 1e-9
		for line, share in shares:
			out.append(
				(
					line,
					sources.Source(
						kind=sources.WORK_ORDER,
						name=o.name,
						qty=_num(o.qty) * share,
						received=_num(o.produced_qty) * share,
						requested=o.docstatus == 0,
						expected=expected,
						started=started,
						planned_start=getdate(o.planned_start_date) if o.planned_start_date else None,
						parts_booked=parts_booked or finished,
					),
				)
			)
	return out


def gather_shortages(lines, reserved, line_sources) -> set[str]:
	"""Sales Order lines that stock plus planned receipts cannot cover after higher-priority demand: one
	pass over all open demand for the items involved, only when a line needs it."""
	needy = []
	for line in lines:
		if not line.is_stock_item or not line.so_detail:
			continue
		pending = _num(line.stock_qty) - _num(line.so_delivered_qty) * _num(line.cf)
		booked = _num(reserved.get(line.so_detail)) + sum(
			s.open_qty for s in line_sources.get(line.so_detail, ())
		)
		if booked < pending - 1e-9:
			needy.append(line.item_code)
	if not needy:
		return set()
	return shortages(list(set(needy)))


def _num(value) -> float:
	"""A database number as float (None and empty are 0): frappe.utils.flt without its parsing, for the
	hot loops."""
	return float(value) if value else 0.0


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


def recompute_shortages_after_commit(item_codes) -> None:
	"""Stock of these items was reserved, released, delivered or newly demanded: the other open orders of
	the same items whose *Not enough* verdict changes are recomputed right after the commit, in one job on
	the short queue (the document's own submit stays fast; the nightly run remains the safety net). In
	tests, which never commit, at once."""
	items = {i for i in item_codes if i}
	if not items:
		return
	if frappe.flags.in_test:
		recompute_changed_shortages(sorted(items))
		return
	pending = frappe.flags.get("order_mgmt_shortage_items")
	if pending is None:
		pending = frappe.flags.order_mgmt_shortage_items = set()
		frappe.db.after_commit.add(_enqueue_shortage_recompute)
	pending.update(items)


def _enqueue_shortage_recompute():
	"""After the commit: the action is done, and nothing here may turn it into an error (a client that sees
	one retries, and would reserve twice). A queue that cannot be reached is logged; the nightly run
	catches the neighbours up."""
	items = sorted(frappe.flags.pop("order_mgmt_shortage_items", None) or ())
	if not items:
		return
	try:
		frappe.enqueue(
			"order_mgmt.order_figures.recompute_changed_shortages",
			queue="short",
			items=items,
			job_id=f"order_mgmt_shortages::{frappe.generate_hash(','.join(items), 12)}",
			deduplicate=True,
		)
	except Exception:
		frappe.log_error(
			title=_("Order statuses of other orders not queued"),
			message=_(
				"The recompute of the other open orders of items {0} could not be queued; the nightly run brings them up to date."
			).format(", ".join(items))
			+ "\n\n"
			+ frappe.get_traceback(),
		)
		frappe.db.commit()  # the action was committed already; its Error Log goes with it


def recompute_changed_shortages(items: list[str]) -> list[str]:
	"""Recompute the open orders of these items whose stored *Not enough* no longer matches the priority
	pass (a fixed number of queries to find them). Returns their names."""
	short = shortages(list(items))
	co, coi = frappe.qb.DocType("Customer Order"), frappe.qb.DocType("Customer Order Item")
	rows = (
		frappe.qb.from_(coi)
		.join(co)
		.on(co.name == coi.parent)
		.select(coi.parent, coi.so_detail, coi.product_status)
		.where(
			coi.item_code.isin(list(items))
			& (co.docstatus == 1)
			& co.status.isin(sorted(pipeline.OPEN_STATUSES))
			& coi.so_detail.isnotnull()
		)
	).run()
	changed = sorted(
		{
			parent
			for parent, so_detail, status in rows
			if (status == product.NOT_ENOUGH) != (so_detail in short)
		}
	)
	if changed:
		recompute(changed)
	return changed


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


class Greatest(Function):
	def __init__(self, *args):
		super().__init__("GREATEST", *args)


class Least(Function):
	def __init__(self, *args):
		super().__init__("LEAST", *args)


# --- evaluate: pure rules over the gathered rows ------------------------------------------------------


def evaluate(data, today) -> tuple[dict, dict]:
	from order_mgmt.order_mgmt.doctype.order_management_settings.order_management_settings import (
		get_probabilities,
	)

	probabilities = get_probabilities()
	lines_by_order = defaultdict(list)
	for line in data.lines:
		lines_by_order[line.parent].append(line)

	header_changes, line_changes = {}, {}
	for order in data.orders:
		ordered = delivered = reserved_total = incoming = 0.0
		has_stock = False
		statuses = []
		work_orders = []
		all_facts = []
		for line in lines_by_order[order.name]:
			cf = _num(line.cf) or 1.0
			delivered_qty = _num(line.so_delivered_qty)
			stock_qty = _num(line.stock_qty)
			facts = line_facts(line, data)
			reserved_qty, line_sources = facts.reserved, facts.sources
			all_facts.append(facts)
			status = sources.line_status(facts, today)
			statuses.append(status)
			work_orders.extend(s for s in line_sources if s.kind == sources.WORK_ORDER)
			if line.is_stock_item:
				has_stock = True
				ordered += stock_qty
				delivered += min(delivered_qty * cf, stock_qty)
				reserved_total += reserved_qty
				incoming += sum(s.open_qty for s in line_sources if not s.requested)
			_diff(
				line_changes,
				line,
				{
					"product_status": status,
					"reserved_qty": reserved_qty,
					"delivered_qty": delivered_qty,
					"expected_date": sources.expected_date(facts),
					"sources": describe_sources(facts, today),
				},
			)

		facts = pipeline.OrderFacts(
			ordered_qty=ordered,
			reserved_qty=reserved_total,
			delivered_qty=delivered,
			work_orders=len(work_orders),
			work_orders_planned=sum(1 for w in work_orders if not w.requested),
			work_orders_started=sum(1 for w in work_orders if w.started and w.open_qty > 0),
			incoming_qty=incoming,
			has_stock_items=has_stock,
			skip_delivery_note=bool(order.skip_delivery_note),
			sales_order_closed=order.so_status == "Closed",
		)
		status = order.status
		target = pipeline.automatic_status(order.status, facts)
		if pipeline.check_transition(order.status, target, pipeline.Action.AUTOMATIC).allowed:
			status = target

		figures = data.money.get(order.sales_order)
		bill = billing.billing(figures.money if figures else billing.Money())
		base_money = figures.base if figures else billing.Money()
		base = billing.billing(base_money)
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
				"party_account_currency": figures.currency if figures else order.currency,
				"base_order_total": round(base_money.order_total, 2),
				"base_invoiced_amount": base.invoiced_amount,
				"base_credited_amount": base.credited_amount,
				"base_paid_amount": base.paid_amount,
				"base_outstanding_amount": base.outstanding_amount,
				"sales_order_status": order.so_status or "",
				"nothing_to_ship": int(pipeline.nothing_left_to_ship(facts)),
				"next_check": sources.next_check(all_facts, today),
			},
		)
	return header_changes, line_changes


def line_facts(line, data) -> sources.Line:
	"""The rules' view of one gathered line (a line delivered on several dates is judged on the date it
	is next due: `rules.sources.due_date`)."""
	delivery_date = line.delivery_date
	delivered = _num(line.so_delivered_qty) * (_num(line.cf) or 1.0)
	schedule = (data.get("schedules") or {}).get(line.so_detail)
	if schedule:
		delivery_date = sources.due_date(
			getdate(delivery_date) if delivery_date else None,
			[(getdate(day), _num(qty)) for day, qty in schedule],
			delivered,
		)
	return sources.Line(
		ordered=_num(line.stock_qty),
		delivered=delivered,
		reserved=_num(data.reserved.get(line.so_detail)),
		sources=tuple(data.sources.get(line.so_detail, ())),
		delivery_date=delivery_date
		if type(delivery_date) is date or not delivery_date
		else getdate(delivery_date),
		is_stock_item=bool(line.is_stock_item),
		short=line.so_detail in data.short,
	)


def line_statuses(order_names, today) -> dict[str, str]:
	"""{Customer Order Item: its product status as of `today`}: the same gathering and rules as `recompute`,
	nothing written (the Delayed Orders report as of another date)."""
	order_names = list(set(order_names or ()))
	if not order_names:
		return {}
	data = gather(order_names)
	today = getdate(today)
	return {line.name: sources.line_status(line_facts(line, data), today) for line in data.lines}


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


def _diff(changes: dict, row, values: dict):
	"""Record the fields whose new value differs from the stored one (numbers to 1e-6, dates by day)."""
	changed = None
	for field, value in values.items():
		old = row.get(field)
		kind = type(value)
		if kind is float or kind is int or type(old) in _NUMBERS:
			same = abs((float(old) if old else 0.0) - (float(value) if value else 0.0)) <= 1e-6
		elif kind is date or type(old) is date:
			same = (str(old) if old else "") == (str(value) if value else "")
		else:
			same = (old or "") == (value or "")
		if not same:
			if changed is None:
				changed = changes[row.name] = {}
			changed[field] = value


_NUMBERS = (float, int, Decimal)


# --- write: batched, only what changed ----------------------------------------------------------------


def write(doctype: str, changes: dict[str, dict], batch_size: int = 1000, touch: bool = True):
	"""The changed values in one UPDATE per batch of rows that changed the same fields: the table joined
	to the new values (a derived table); on the order also `modified` (so that a form opened before the
	change refuses to overwrite it) and `statuses_updated`, unless `touch` is False (figures that are not
	statuses, such as the profitability). An UPDATE … CASE per field would compare every
	row with every branch: quadratic in the batch."""
	if not changes:
		return
	now = now_datetime()
	groups = defaultdict(list)
	for name, diff in changes.items():
		groups[tuple(sorted(diff))].append(name)
	# the order's `modified` guards its form against overwriting; its lines' rows carry no such guard
	touch = touch and doctype == "Customer Order"
	stamp = ", t.`modified` = %s, t.`statuses_updated` = %s" if touch else ""
	for fields, names in groups.items():
		first = "select %s as `name`, " + ", ".join(f"%s as `{f}`" for f in fields)
		other = "select " + ", ".join(["%s"] * (len(fields) + 1))
		sets = ", ".join(f"t.`{f}` = v.`{f}`" for f in fields)
		for start in range(0, len(names), batch_size):
			batch = names[start : start + batch_size]
			rows = " union all ".join([first, *[other] * (len(batch) - 1)])
			values = [v for n in batch for v in (n, *(changes[n][f] for f in fields))]
			if stamp:
				values += [now, now]
			frappe.db.sql(
				f"update `tab{doctype}` t join ({rows}) v on t.name = v.name set {sets}{stamp}",
				values,
			)
	if touch:
		# open forms of the first orders reload (a batch of thousands would flood the browsers)
		for name in list(changes)[:20]:
			frappe.publish_realtime(
				"doc_update",
				{"doctype": doctype, "name": name},
				doctype=doctype,
				docname=name,
				after_commit=True,
			)
