"""What the incremental nightly run recomputes (R12): the orders whose next-check date has come, and the
orders whose inputs changed since the last run without an event reaching the app — found with
watermarks on the `modified` of the ERPNext documents they depend on (every table has an index on it),
in a fixed number of queries whatever the number of orders.

An order's statuses depend on today only through the dates its lines compare with it (`next_check`,
computed by `rules.sources.next_check` on every recompute), and otherwise only on documents: its Sales
Order (ERPNext's SQL status updates set its `modified` too), reservation entries, work orders, purchase
orders, material requests, invoices and the payment ledger, and — for *Not enough* — the stock of its items
(Bins and stock ledger entries of the items). Its profitability also follows revaluations and job costs.
Documents that reach the app's events recompute at once; the watermarks catch the rest (SQL updates,
lost background jobs, stock that arrives without naming an order)."""

import frappe
from frappe.query_builder.functions import Coalesce

from order_mgmt import compat
from order_mgmt.figures import scope, shortages
from order_mgmt.utils import in_list


def due_orders(today) -> set[str]:
	"""Open orders whose next-check date has come (the index on `next_check`)."""
	co = frappe.qb.DocType("Customer Order")
	return set(
		frappe.qb.from_(co)
		.select(co.name)
		.where(co.next_check.isnotnull() & (co.next_check <= today) & scope.open_condition(co))
		.run(pluck=True)
	)


def changed_orders(since) -> set[str]:
	"""Open orders whose ERPNext documents changed since `since` (a datetime): a fixed number of queries
	(about twenty at most) whatever the number of orders."""
	co = frappe.qb.DocType("Customer Order")
	so = frappe.qb.DocType("Sales Order")
	sre = frappe.qb.DocType("Stock Reservation Entry")
	wo = frappe.qb.DocType("Work Order")
	ref = frappe.qb.DocType("Production Plan Item Reference")
	po, poi = frappe.qb.DocType("Purchase Order"), frappe.qb.DocType("Purchase Order Item")
	mr, mri = frappe.qb.DocType("Material Request"), frappe.qb.DocType("Material Request Item")
	si, sii = frappe.qb.DocType("Sales Invoice"), frappe.qb.DocType("Sales Invoice Item")
	ple = frappe.qb.DocType("Payment Ledger Entry")

	# Sales Orders whose own or related documents moved: each a subquery on an indexed `modified`
	sales_orders = [
		frappe.qb.from_(so).select(so.name).where(so.modified >= since),
		frappe.qb.from_(sre)
		.select(sre.voucher_no)
		.where((sre.modified >= since) & (sre.voucher_type == "Sales Order")),
		frappe.qb.from_(wo).select(wo.sales_order).where(wo.modified >= since),
		# Work Orders of a plan that combined several Sales Orders carry none: the plan's references do
		frappe.qb.from_(wo)
		.join(ref)
		.on(ref.parent == wo.production_plan)
		.select(ref.sales_order)
		.where((wo.modified >= since) & wo.production_plan.isnotnull()),
		frappe.qb.from_(po)
		.join(poi)
		.on(poi.parent == po.name)
		.select(poi.sales_order)
		.where(po.modified >= since),
		frappe.qb.from_(mr)
		.join(mri)
		.on(mri.parent == mr.name)
		.select(mri.sales_order)
		.where(mr.modified >= since),
		frappe.qb.from_(si)
		.join(sii)
		.on(sii.parent == si.name)
		.select(sii.sales_order)
		.where(si.modified >= since),
		frappe.qb.from_(ple)
		.select(ple.against_voucher_no)
		.where((ple.modified >= since) & (ple.against_voucher_type == "Sales Order")),
		frappe.qb.from_(ple)
		.join(sii)
		.on(sii.parent == ple.against_voucher_no)
		.select(sii.sales_order)
		.where((ple.modified >= since) & (ple.against_voucher_type == "Sales Invoice")),
	]
	# ERPNext v16 keeps the Sales Orders' advances in its advance ledger (compat; v15: the rows above)
	advances = compat.advances_changed_since(since)
	if advances is not None:
		sales_orders.append(advances)
	names = set()
	for moved in sales_orders:
		names.update(
			frappe.qb.from_(co)
			.select(co.name)
			.where(co.sales_order.isin(moved) & scope.open_condition(co))
			.run(pluck=True)
		)
	names.update(_orders_of_items(_changed_items(since)))
	return names


def _changed_items(since) -> tuple[set[str], set[str]]:
	"""(items whose stock or demand moved — Bins, stock ledger entries, lines of Sales Orders —, items whose
	master changed) since."""
	b = frappe.qb.DocType("Bin")
	sle = frappe.qb.DocType("Stock Ledger Entry")
	item = frappe.qb.DocType("Item")
	stock = set(frappe.qb.from_(b).select(b.item_code).distinct().where(b.modified >= since).run(pluck=True))
	stock.update(
		frappe.qb.from_(sle)
		.select(sle.item_code)
		.distinct()
		.where((sle.modified >= since) & (sle.is_cancelled == 0))
		.run(pluck=True)
	)
	# the demand side of the priority pass: a Sales Order's lines changed (Update Items: quantities,
	# delivery dates; status buttons) moves the other orders of its items, which the app's event recomputes
	# only in a job after the commit
	so, soi = frappe.qb.DocType("Sales Order"), frappe.qb.DocType("Sales Order Item")
	stock.update(
		frappe.qb.from_(so)
		.join(soi)
		.on(soi.parent == so.name)
		.select(soi.item_code)
		.distinct()
		.where((so.modified >= since) & (so.docstatus == 1))
		.run(pluck=True)
	)
	masters = set(frappe.qb.from_(item).select(item.name).where(item.modified >= since).run(pluck=True))
	return stock, masters


def _orders_of_items(items: tuple[set[str], set[str]]) -> set[str]:
	"""Open orders that the changed items move: those whose *Not enough* verdict the priority pass over
	the stock items now gives differently, those whose Work Orders wait for them as parts and may now be
	judged otherwise (`shortages.waiting_for_parts`, also through a combined Production Plan's references),
	and those with lines of an item whose master changed (stock item flag, lead time). A fixed number of
	queries."""
	stock, masters = items
	out = set()
	co, coi = frappe.qb.DocType("Customer Order"), frappe.qb.DocType("Customer Order Item")
	if stock:
		out.update(shortages.shortage_flips(sorted(stock)))
		out.update(shortages.waiting_for_parts(sorted(stock)))
	if masters:
		out.update(
			frappe.qb.from_(coi)
			.join(co)
			.on(co.name == coi.parent)
			.select(co.name)
			.distinct()
			.where(in_list(coi.item_code, sorted(masters)) & scope.open_condition(co))
			.run(pluck=True)
		)
	return out


def cost_orders(since) -> set[str]:
	"""Submitted orders (open or not) whose costs moved since `since` without their statuses moving:
	revaluations of items their Delivery Notes took out of stock (ERPNext's Repost Item Valuation) and job
	costs booked to their project or to Purchase Order lines raised for them. Four queries at most."""
	riv = frappe.qb.DocType("Repost Item Valuation")
	sle = frappe.qb.DocType("Stock Ledger Entry")
	co = frappe.qb.DocType("Customer Order")
	dni = frappe.qb.DocType("Delivery Note Item")
	reposts = (
		frappe.qb.from_(riv)
		.left_join(sle)
		.on((sle.voucher_type == riv.voucher_type) & (sle.voucher_no == riv.voucher_no))
		.select(Coalesce(riv.item_code, sle.item_code))
		.distinct()
		.where((riv.modified >= since) & (riv.status == "Completed") & (riv.docstatus == 1))
	).run(pluck=True)
	out = set()
	reposts = sorted({i for i in reposts if i})
	if reposts:
		out.update(
			frappe.qb.from_(dni)
			.join(co)
			.on(co.sales_order == dni.against_sales_order)
			.select(co.name)
			.distinct()
			.where(in_list(dni.item_code, reposts) & (dni.docstatus == 1) & (co.docstatus == 1))
			.run(pluck=True)
		)
	gle = frappe.qb.DocType("GL Entry")
	projects = (
		frappe.qb.from_(gle)
		.select(gle.project)
		.distinct()
		.where((gle.modified >= since) & gle.project.isnotnull() & (gle.project != ""))
		.run(pluck=True)
	)
	if projects:
		out.update(
			frappe.qb.from_(co)
			.select(co.name)
			.where(in_list(co.project, projects) & (co.docstatus == 1))
			.run(pluck=True)
		)
	pi, pii = frappe.qb.DocType("Purchase Invoice"), frappe.qb.DocType("Purchase Invoice Item")
	poi = frappe.qb.DocType("Purchase Order Item")
	out.update(
		frappe.qb.from_(pi)
		.join(pii)
		.on(pii.parent == pi.name)
		.join(poi)
		.on(poi.name == pii.po_detail)
		.join(co)
		.on(co.sales_order == poi.sales_order)
		.select(co.name)
		.distinct()
		.where((pi.modified >= since) & (co.docstatus == 1))
		.run(pluck=True)
	)
	return out
