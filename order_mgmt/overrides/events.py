"""Document events of ERPNext's doctypes that move a Customer Order: each finds the order's Sales Orders
(one query at most) and hands them to the one recompute path."""

from collections import defaultdict
from contextlib import contextmanager

import frappe
from frappe import _

from order_mgmt import costing, order_figures, selling, stock_guard
from order_mgmt.rules import pipeline

# --- events of one action, batched --------------------------------------------------------------------


def _batch() -> dict | None:
	return frappe.flags.get("order_mgmt_events_batch")


@contextmanager
def batched():
	"""Inside (an action of the app), the events of ERPNext's documents only collect what they would do:
	the orders to recompute, the items whose shortages may change, the reservations to check. All is done
	once at the end. ERPNext makes some documents one per line (a Stock Reservation Entry per reserved
	line, on reserve, release, confirm, cancel): the action pays for one check and one recompute, not one
	per line. Nothing runs when the block fails (its transaction is rolled back)."""
	if _batch() is not None:
		yield
		return
	batch = frappe.flags.order_mgmt_events_batch = _new_batch()
	try:
		yield
	finally:
		frappe.flags.order_mgmt_events_batch = None
	_run(batch)


def _new_batch() -> dict:
	return {"orders": {}, "sales_orders": {}, "items": set(), "reservations": []}


def flush() -> None:
	"""Inside a batch: do what its events collected so far now (an action that answers with the order's
	figures calls it first), and go on collecting."""
	batch = _batch()
	if batch is not None:
		frappe.flags.order_mgmt_events_batch = _new_batch()
		_run(batch)


def _run(batch: dict) -> None:
	stock_guard.check_reservations(batch["reservations"])
	# one recompute per set of causing documents (an action's orders share theirs: usually one set)
	by_causes = defaultdict(list)
	for name, causes in batch["orders"].items():
		by_causes[tuple((d.doctype, d.name) for d in causes)].append(name)
	for names in by_causes.values():
		order_figures.recompute(names, cause=batch["orders"][names[0]])
	order_figures.recompute_shortages_after_commit(batch["items"])


def _recompute(sales_orders, cause=None) -> list[str]:
	"""The Customer Orders of these Sales Orders, recomputed now or at the end of the batch."""
	batch = _batch()
	if batch is None:
		return order_figures.recompute_for_sales_orders(sales_orders, cause=cause)
	sales_orders = [s for s in sales_orders or () if s]
	known = batch["sales_orders"]
	new = {s for s in sales_orders if s not in known}
	if new:
		found = order_figures.orders_of_sales_orders_by_sales_order(new)
		known.update({s: found.get(s, []) for s in new})
	names = sorted({n for s in sales_orders for n in known[s]})
	for name in names:
		causes = batch["orders"].setdefault(name, [])
		if cause is not None and all((d.doctype, d.name) != (cause.doctype, cause.name) for d in causes):
			causes.append(cause)
	return names


def _shortages_may_change(item_codes) -> None:
	batch = _batch()
	if batch is None:
		order_figures.recompute_shortages_after_commit(item_codes)
	else:
		batch["items"].update(i for i in item_codes if i)


# --- the events ------------------------------------------------------------------------------------------


def sales_order_changed(doc, method=None):
	"""Sales Order on_change (ERPNext's status updates). Not while the order itself is being confirmed: it
	recomputes once its lines are linked to the new Sales Order's."""
	if doc.get("customer_order") and doc.docstatus == 1 and not doc.flags.get("confirming_order"):
		_recompute([doc.name], cause=doc)


def sales_order_stock_written(doc, method=None):
	"""Sales Order submit, cancel: ERPNext rewrote the whole Bins of its items from a plain read (its
	Reserved Stock may be an old snapshot's): each is re-summed from its reservation entries under the
	lock."""
	stock_guard.resync_after_event(
		stock_guard.stock_pairs((d.item_code, d.warehouse) for d in doc.items if d.warehouse)
	)
	_shortages_may_change(d.item_code for d in doc.items)


def sales_order_cancelled(doc, method=None):
	"""Sales Order on_cancel: the Bins (as on submit); and a Sales Order cancelled directly in ERPNext
	cancels its Customer Order (R1: cancelling reverses), unless the order's own cancel is doing it."""
	sales_order_stock_written(doc)
	name = doc.get("customer_order")
	if not name or doc.flags.get("cancelling_customer_order"):
		return
	order = frappe.get_doc("Customer Order", name)
	if order.docstatus != 1 or order.sales_order != doc.name:
		return
	verdict = pipeline.check_transition(order.status, pipeline.CANCELED, pipeline.Action.CANCEL)
	if not verdict.allowed:
		frappe.throw(
			_(
				"Sales Order {0} cannot be cancelled: its Customer Order {1} is {2}, and a {2} order cannot be canceled."
			).format(doc.name, name, _(order.status)),
			title=_("Cannot Cancel"),
		)
	# the user cancelled the Sales Order; the order is its consequence
	order.flags.ignore_permissions = True
	order.add_comment("Info", _("Canceled with its Sales Order {0}, cancelled in ERPNext.").format(doc.name))
	order.cancel()


def sales_order_updated_after_submit(doc, method=None):
	"""Sales Order "Update Items": the order's lines follow, then its statuses."""
	sales_order_stock_written(doc)
	if doc.get("customer_order") and doc.docstatus == 1:
		selling.sync_from_sales_order(doc)
		_recompute([doc.name], cause=doc)


def delivery_note_changed(doc, method=None):
	"""Delivered quantities, and the cost of goods of the order's profitability (R10)."""
	stock_guard.resync_after_event(
		stock_guard.stock_pairs(
			(d.item_code, d.warehouse) for d in doc.items if d.get("against_sales_order") and d.warehouse
		)
	)
	orders = _recompute((d.against_sales_order for d in doc.items), cause=doc)
	costing.update_profitability(orders)
	_shortages_may_change(d.item_code for d in doc.items if d.get("against_sales_order"))


def delivery_note_before_submit(doc, method=None):
	stock_guard.check_delivery(doc)


def sales_invoice_changed(doc, method=None):
	"""Invoice and payment status, and the revenue of the order's profitability (R10). Runs on the
	invoice's `on_change`: submit, cancel, and every change of its outstanding (payments, journal entries,
	credit notes, reconciliation and unreconciliation all end in ERPNext's `set_status` → `db_set`)."""
	if doc.docstatus == 0:
		return
	orders = _recompute((d.sales_order for d in doc.items), cause=doc)
	costing.update_profitability(orders)


def payment_entry_changed(doc, method=None):
	sales_orders = {r.reference_name for r in doc.references if r.reference_doctype == "Sales Order"}
	invoices = [r.reference_name for r in doc.references if r.reference_doctype == "Sales Invoice"]
	if invoices:
		sii = frappe.qb.DocType("Sales Invoice Item")
		sales_orders.update(
			(frappe.qb.from_(sii).select(sii.sales_order).distinct().where(sii.parent.isin(invoices))).run(
				pluck=True
			)
		)
	_recompute(sales_orders, cause=doc)


def stock_reservation_changed(doc, method=None):
	stock_guard.resync_after_event([(doc.item_code, doc.warehouse)])
	if doc.voucher_type == "Sales Order":
		_recompute([doc.voucher_no], cause=doc)
	_shortages_may_change([doc.item_code])


def stock_reservation_before_submit(doc, method=None):
	batch = _batch()
	if batch is not None:
		batch["reservations"].append(doc)  # checked together at the end of the batch
		return
	stock_guard.check_reservation(doc)


def _before(doc):
	"""The document as it was before this save (None on submit, status updates, delete)."""
	before = doc.get_doc_before_save() if hasattr(doc, "get_doc_before_save") else None
	return before if before is not None and before.name == doc.name else None


def work_order_changed(doc, method=None):
	"""Also the Sales Order a draft's save unlinked (its order loses the source)."""
	sales_orders = _sales_orders_of_work_order(doc.get("sales_order"), doc.get("production_plan"))
	before = _before(doc)
	if before is not None and before.get("sales_order") != doc.get("sales_order"):
		sales_orders += _sales_orders_of_work_order(before.get("sales_order"), before.get("production_plan"))
	_recompute(sales_orders, cause=doc)


def _sales_orders_of_work_order(sales_order, production_plan) -> list[str]:
	"""A Work Order's Sales Order; one from a Production Plan that combined several Sales Orders carries
	none: those its plan's item references name (one query)."""
	if sales_order:
		return [sales_order]
	if not production_plan:
		return []
	ref = frappe.qb.DocType("Production Plan Item Reference")
	return (
		frappe.qb.from_(ref)
		.select(ref.sales_order)
		.distinct()
		.where((ref.parent == production_plan) & ref.sales_order.isnotnull())
	).run(pluck=True)


def _sales_orders_of_lines(doc) -> set[str]:
	"""The Sales Orders a Purchase Order's or Material Request's lines name, and those its lines named
	before this save (a line removed from a draft: its order loses the source)."""
	sales_orders = {d.get("sales_order") for d in doc.items}
	before = _before(doc)
	if before is not None:
		sales_orders.update(d.get("sales_order") for d in before.items)
	return {s for s in sales_orders if s}


def purchase_order_changed(doc, method=None):
	_recompute(_sales_orders_of_lines(doc), cause=doc)


def purchase_order_line_removed(doc, method=None):
	"""Update Items took a line off a submitted Purchase Order: ERPNext deletes the row (this event),
	then saves the rest, which may name the line's Sales Order no more."""
	if doc.get("sales_order") and doc.get("parenttype") == "Purchase Order":
		_recompute([doc.sales_order], cause=frappe._dict(doctype="Purchase Order", name=doc.parent))


def material_request_changed(doc, method=None):
	_recompute(_sales_orders_of_lines(doc), cause=doc)


def purchase_receipt_changed(doc, method=None):
	"""A receipt of goods bought for an order (its Purchase Order lines carry the Sales Order)."""
	po_items = [d.purchase_order_item for d in doc.items if d.get("purchase_order_item")]
	if po_items:
		poi = frappe.qb.DocType("Purchase Order Item")
		_recompute(
			(frappe.qb.from_(poi).select(poi.sales_order).distinct().where(poi.name.isin(po_items))).run(
				pluck=True
			),
			cause=doc,
		)


def stock_entry_changed(doc, method=None):
	"""Production (work order) and transfers (material request) move the lines of an order."""
	sales_orders = set()
	if doc.get("work_order"):
		work_order = frappe.db.get_value(
			"Work Order", doc.work_order, ["sales_order", "production_plan"], as_dict=True
		)
		if work_order:
			sales_orders.update(
				_sales_orders_of_work_order(work_order.sales_order, work_order.production_plan)
			)
	requests = [d.material_request for d in doc.items if d.get("material_request")]
	if requests:
		mri = frappe.qb.DocType("Material Request Item")
		sales_orders.update(
			(frappe.qb.from_(mri).select(mri.sales_order).distinct().where(mri.parent.isin(requests))).run(
				pluck=True
			)
		)
	_recompute(sales_orders, cause=doc)


def job_costs_changed(doc, method=None):
	"""Purchase Invoice or Journal Entry: the orders it books costs to — through their project, or a
	Purchase Order line raised for their Sales Order — get their profitability refreshed (R10)."""
	rows = doc.get("items") or doc.get("accounts") or []
	projects = {r.get("project") for r in rows} | {doc.get("project")}
	costing.update_profitability(costing.orders_of_job_costs(projects, [r.get("po_detail") for r in rows]))


# --- money (R7): every way ERPNext moves it ends in one of these -----------------------------------------


def _sales_orders_of(references) -> set[str]:
	"""The Sales Orders behind (doctype, name) references to Sales Orders and Sales Invoices (one query)."""
	sales_orders, invoices = set(), set()
	for doctype, name in references:
		if doctype == "Sales Order" and name:
			sales_orders.add(name)
		elif doctype == "Sales Invoice" and name:
			invoices.add(name)
	if invoices:
		sii = frappe.qb.DocType("Sales Invoice Item")
		sales_orders.update(
			(
				frappe.qb.from_(sii)
				.select(sii.sales_order)
				.distinct()
				.where(sii.parent.isin(sorted(invoices)) & sii.sales_order.isnotnull())
			).run(pluck=True)
		)
	return {s for s in sales_orders if s}


def sales_invoice_before_validate(doc, method=None):
	"""A credit note made with ERPNext's `make_sales_return` from an invoice that took advances copies the
	invoice's advance table as empty rows (its fields are no_copy, the table is not), which ERPNext's own
	validation then refuses ("Reference Name should point to a valid Payment Entry or Journal Entry"). A
	credit note of a Customer Order's invoice takes no advances: the empty rows are dropped (R7: credit
	notes of the app's orders work). Any other credit note stays ERPNext's to judge (one query, and only
	when there are such rows)."""
	if not doc.get("is_return") or not any(not a.get("reference_name") for a in doc.get("advances") or []):
		return
	if order_figures.orders_of_sales_orders(d.get("sales_order") for d in doc.items):
		doc.set("advances", [a for a in doc.advances if a.get("reference_name")])


def journal_entry_money_changed(doc, method=None):
	"""A Journal Entry receipt against an invoice or an advance against a Sales Order (submit, cancel)."""
	refs = [(r.get("reference_type"), r.get("reference_name")) for r in doc.get("accounts") or []]
	_recompute(_sales_orders_of(refs), cause=doc)


def unreconcile_payment_submitted(doc, method=None):
	"""Unreconcile Payment rewrites the payment's references by SQL: the orders of what it unlinks."""
	refs = [(a.reference_doctype, a.reference_name) for a in doc.get("allocations") or []]
	refs.append((doc.voucher_type, doc.voucher_no))
	if doc.voucher_type == "Payment Entry":
		refs += [
			(r.reference_doctype, r.reference_name)
			for r in frappe.get_all(
				"Payment Entry Reference",
				filters={"parent": doc.voucher_no},
				fields=["reference_doctype", "reference_name"],
			)
		]
	_recompute(_sales_orders_of(refs), cause=doc)


def stock_revalued(doc, method=None):
	"""Repost Item Valuation completed (a backdated stock transaction revalued later ones): the orders whose
	Delivery Notes took the revalued items out of those warehouses since then get their cost of goods
	(profitability) refreshed — delivered and archived orders too. Two queries at most."""
	if doc.docstatus != 1 or doc.status != "Completed":
		return
	sle = frappe.qb.DocType("Stock Ledger Entry")
	if doc.based_on == "Item and Warehouse":
		pairs = {(doc.item_code, doc.warehouse)}
	else:
		pairs = set(
			(
				frappe.qb.from_(sle)
				.select(sle.item_code, sle.warehouse)
				.distinct()
				.where((sle.voucher_type == doc.voucher_type) & (sle.voucher_no == doc.voucher_no))
			).run()
		)
	pairs = {(i, w) for i, w in pairs if i and w}
	if not pairs:
		return
	dni = frappe.qb.DocType("Delivery Note Item")
	co = frappe.qb.DocType("Customer Order")
	matches = None
	for item_code, warehouse in sorted(pairs):
		term = (sle.item_code == item_code) & (sle.warehouse == warehouse)
		matches = term if matches is None else matches | term
	orders = (
		frappe.qb.from_(sle)
		.join(dni)
		.on(dni.name == sle.voucher_detail_no)
		.join(co)
		.on(co.sales_order == dni.against_sales_order)
		.select(co.name)
		.distinct()
		.where(
			(sle.voucher_type == "Delivery Note")
			& (sle.is_cancelled == 0)
			& (sle.posting_date >= doc.posting_date)
			& matches
		)
	).run(pluck=True)
	costing.update_profitability(orders)
