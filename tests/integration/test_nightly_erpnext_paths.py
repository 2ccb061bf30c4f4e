"""The incremental nightly run against ERPNext's own paths (R12): each step changes an order's inputs the
way ERPNext and its users do — status buttons, Update Items, receipts, stock entries, reconciliations,
production plans — many of them without an event of the app; then the incremental run since just before
the step, then a full run, which must find nothing to change (statuses, quantities, sources, next-check
dates, money figures, profitability)."""

import json

import frappe
from frappe.utils import add_days, add_to_date, get_datetime, now_datetime, nowdate

from order_mgmt import compat
from order_mgmt.api import billing as billing_api
from order_mgmt.api import supply as supply_api
from order_mgmt.figures import profit, runs
from tests.integration.erp_docs import production_plan
from tests.integration.factories import (
	add_stock,
	company,
	make_bom,
	make_item,
	make_supplier,
	request_done,
	warehouse,
)
from tests.integration.test_money import (
	_reconcile,
	_unreconcile,
	bank_account,
	make_credit_note,
	receivable,
	submit,
)
from tests.integration.test_nightly import confirmed, snapshot


def status(name) -> str:
	request_done()  # the user looks after their request ended
	return frappe.db.get_value("Customer Order Item", {"parent": name}, "product_status")


def checked(names, change):
	"""`change`, then the incremental run since just before it, then the full run: the full run changes
	nothing. Returns the orders the incremental run read."""
	since = now_datetime()
	change()
	request_done()  # the change was its own request
	run = frappe.get_doc(runs.RUN, runs.start_run(full=False, since=since, inline=True, commit=False))
	after = snapshot(names)
	runs.start_run(full=True, inline=True, commit=False)
	assert snapshot(names) == after
	assert not profit.update_profitability(names)
	return {n for b in run.batches for n in json.loads(b.order_names)["orders"]}


def test_other_orders_and_stock_of_the_item_moved_in_erpnext():
	"""The priority pass behind *Not enough*: another order's Sales Order held, re-opened, closed in
	ERPNext (its event recomputes that order only), stock issued, the issue cancelled, stock reserved for
	the other order, a stock reconciliation."""
	from erpnext.selling.doctype.sales_order.sales_order import update_status
	from erpnext.stock.doctype.stock_entry.stock_entry_utils import make_stock_entry

	item = make_item(price=10)
	add_stock(item, 6)
	early, late = confirmed([(item, 5)], days=3), confirmed([(item, 5)], days=20)
	names = [early, late]
	so_early, so_late = (frappe.db.get_value("Customer Order", n, "sales_order") for n in names)
	runs.start_run(full=True, inline=True, commit=False)
	assert (status(early), status(late)) == ("Not booked", "Not enough")

	assert late in checked(names, lambda: update_status("On Hold", so_early))
	assert status(late) == "Not booked"  # held demand waits: the stock covers the later order
	checked(names, lambda: update_status("Draft", so_early))  # resumed
	assert status(late) == "Not enough"
	checked(names, lambda: update_status("Closed", so_early))
	assert status(late) == "Not booked"
	checked(names, lambda: update_status("Draft", so_early))  # re-opened
	assert (status(early), status(late)) == ("Not booked", "Not enough")

	issues = []
	checked(
		names,
		lambda: issues.append(make_stock_entry(item_code=item, source=warehouse(), qty=2, company=company())),
	)
	assert (status(early), status(late)) == ("Not enough", "Not enough")  # 4 left
	checked(names, lambda: issues[0].cancel())
	assert (status(early), status(late)) == ("Not booked", "Not enough")

	def reconcile():
		doc = frappe.get_doc(
			{
				"doctype": "Stock Reconciliation",
				"company": company(),
				"purpose": "Stock Reconciliation",
				"items": [{"item_code": item, "warehouse": warehouse(), "qty": 10, "valuation_rate": 10}],
			}
		)
		doc.insert()
		doc.submit()

	checked(names, reconcile)
	assert (status(early), status(late)) == ("Not booked", "Not booked")

	checked(names, lambda: frappe.get_doc("Sales Order", so_late).create_stock_reservation_entries())
	assert (status(early), status(late)) == ("Not booked", "Ready for shipment")

	def invoice_with_stock():
		"""The early order delivered by its invoice ("Update Stock")."""
		from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice

		si = make_sales_invoice(so_early)
		si.update_stock = 1
		si.insert()
		si.submit()

	checked(names, invoice_with_stock)
	assert status(early) == "Delivered"


def test_purchase_order_moved_in_erpnext():
	"""Update Items (date, quantity), hold, resume, close, re-open, a partial receipt, a purchase invoice
	that receives the rest."""
	import erpnext.buying.doctype.purchase_order.purchase_order as purchase_order
	from erpnext.controllers.accounts_controller import update_child_qty_rate

	item = make_item(price=20)
	name = confirmed([(item, 4)], days=10)
	po = frappe.get_doc(
		"Purchase Order", supply_api.make_purchase_order(name, supplier=make_supplier())["purchase_order"]
	)
	po.submit()
	runs.start_run(full=True, inline=True, commit=False)
	assert status(name) == "Possibly delayed"  # the supplier's date is the customer's

	def update_items(qty, days):
		row = frappe.get_doc("Purchase Order", po.name).items[0]
		update_child_qty_rate(
			"Purchase Order",
			json.dumps(
				[
					{
						"docname": row.name,
						"item_code": item,
						"qty": qty,
						"rate": row.rate,
						"conversion_factor": 1,
						"schedule_date": add_days(nowdate(), days),
					}
				]
			),
			po.name,
		)

	checked([name], lambda: update_items(3, 12))
	assert status(name) in ("Not enough", "Not booked")
	checked([name], lambda: update_items(4, 5))
	# (a held Purchase Order still counts in the Bin's ordered quantity: the line may not be short)
	for button, after in (
		("On Hold", "Not enough"),
		("Draft", None),
		("Closed", "Not enough"),
		("Submitted", None),
	):
		checked([name], lambda button=button: purchase_order.update_status(button, po.name))
		if after:
			assert status(name) in (after, "Not booked")
	assert status(name) != "Not enough"

	def receive(qty):
		pr = purchase_order.make_purchase_receipt(po.name)
		pr.items[0].qty = qty
		pr.insert()
		pr.submit()

	checked([name], lambda: receive(1))

	def invoice_with_stock():
		pi = purchase_order.make_purchase_invoice(po.name)
		pi.update_stock = 1
		pi.set_warehouse = warehouse()
		for row in pi.items:
			row.warehouse = warehouse()
			row.qty = 3  # what the receipt left
		pi.insert()
		pi.submit()

	checked([name], invoice_with_stock)
	assert frappe.db.get_value("Purchase Order Item", {"parent": po.name}, "received_qty") == 4


def test_combined_production_plan_backflushed_and_stopped():
	"""A Production Plan that combined two orders makes one Work Order without a Sales Order; its parts
	are backflushed: raw material received without naming anything books them; the Work Order stopped and
	re-opened, its planned start moved."""
	from erpnext.manufacturing.doctype.work_order.work_order import stop_unstop

	product, raw = make_item(price=100), make_item(price=5)
	make_bom(product, raw, qty=1)
	first, second = confirmed([(product, 2)], days=10), confirmed([(product, 3)], days=12)
	names = [first, second]
	pp = production_plan(
		[frappe.db.get_value("Customer Order", n, "sales_order") for n in names], warehouse=warehouse()
	)
	wo = frappe.get_doc("Work Order", {"production_plan": pp.name})
	assert not wo.sales_order
	wo.wip_warehouse = wo.fg_warehouse = wo.source_warehouse = warehouse()
	for d in wo.required_items:
		d.source_warehouse = warehouse()
	wo.skip_transfer = 1
	checked(names, wo.submit)
	assert (status(first), status(second)) == ("Not booked", "Not booked")  # no parts to backflush

	checked(names, lambda: add_stock(raw, 5))
	assert status(first) != "Not booked" and status(second) != "Not booked"

	# the Work Order's own events reach the plan's orders at once (it names no Sales Order)
	def sources(name):
		request_done()  # the user looks after their request ended
		return frappe.db.get_value("Customer Order Item", {"parent": name}, "sources") or ""

	at_once = []
	checked(names, lambda: at_once.append((stop_unstop(wo.name, "Stopped"), sources(first))))
	assert wo.name not in at_once[-1][1]
	assert status(first) in ("Not enough", "Not booked")
	checked(names, lambda: at_once.append((stop_unstop(wo.name, "Resumed"), sources(first))))
	assert wo.name in at_once[-1][1]
	assert status(first) != "Not booked"

	def move_start():
		doc = frappe.get_doc("Work Order", wo.name)
		doc.planned_start_date = add_days(nowdate(), 20)
		doc.save()

	checked(names, move_start)
	assert status(first) == "Delayed"

	def lead_time():
		item = frappe.get_doc("Item", product)
		item.lead_time_days = 30
		item.save()

	checked(names, lead_time)

	def manufacture():
		from erpnext.manufacturing.doctype.work_order.work_order import make_stock_entry

		entry = frappe.get_doc(make_stock_entry(wo.name, "Manufacture", 2))
		entry.insert()
		entry.submit()
		at_once.append((entry.name, sources(first)))

	checked(names, manufacture)
	assert "0.8 of 2" in at_once[-1][1]  # the plan's share of the 2 made, at once


def test_money_moved_in_erpnext():
	"""An unallocated payment reconciled to the invoice with ERPNext's tool, unreconciled, a credit
	note, the invoice cancelled and amended; first an advance by Journal Entry against the Sales Order."""
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

	frappe.db.set_value("Sales Taxes and Charges Template", {"is_default": 1}, "is_default", 0)
	name = confirmed([(make_item(price=10, stock_item=False), 10)], days=10)
	order = frappe.get_doc("Customer Order", name)
	runs.start_run(full=True, inline=True, commit=False)

	def advance_by_journal_entry():
		je = frappe.new_doc("Journal Entry")
		je.company, je.posting_date = company(), nowdate()
		je.append(
			"accounts",
			{
				"account": receivable(order.customer),
				"party_type": "Customer",
				"party": order.customer,
				"credit_in_account_currency": 30,
				"reference_type": "Sales Order",
				"reference_name": order.sales_order,
				"is_advance": "Yes",
			},
		)
		je.append("accounts", {"account": bank_account(), "debit_in_account_currency": 30})
		submit(je)

	checked([name], advance_by_journal_entry)
	invoices = []
	checked([name], lambda: invoices.append(billing_api.make_sales_invoice(name, submit=1)["sales_invoice"]))
	si = invoices[0]
	payments = []

	def unallocated():
		pe = get_payment_entry("Sales Invoice", si)
		pe.references = []
		pe.paid_amount = pe.received_amount = 100
		pe.reference_no, pe.reference_date = "_T-UNALLOC", nowdate()
		payments.append(submit(pe).name)

	checked([name], unallocated)
	checked([name], lambda: _reconcile(order.customer, si, payments[0]))
	assert frappe.db.get_value("Customer Order", name, "payment_status") == "Paid"
	checked([name], lambda: _unreconcile(payments[0], si))
	assert frappe.db.get_value("Customer Order", name, "payment_status") == "Part paid"  # the advance
	notes = []
	checked([name], lambda: notes.append(make_credit_note(si, qty=2)))

	def cancel_and_amend():
		notes[0].cancel()
		old = frappe.get_doc("Sales Invoice", si)
		old.cancel()
		amended = frappe.copy_doc(old)  # the desk's Amend: a draft copy that names the cancelled one
		amended.docstatus, amended.amended_from = 0, old.name
		if compat.at_least(16):
			# ERPNext v16's cancellation rewrote the Journal Entry's rows the copied advance names, and
			# asks to "pull it again": the desk's Get Advances Received
			amended.set_advances()
		submit(amended)

	checked([name], cancel_and_amend)
	assert frappe.db.get_value("Customer Order", name, "invoice_status") == "Invoiced"


def test_purchase_order_lines_removed():
	"""A Purchase Order bought for two orders (ERPNext's mapper from each Sales Order, "Get Items From"),
	and the line of one of them taken off: by Update Items on the submitted order (ERPNext deletes the row,
	then saves the rest), and from a draft. The Purchase Order no longer names that order's Sales Order."""
	from erpnext.controllers.accounts_controller import update_child_qty_rate

	from order_mgmt.compat import map_purchase_order  # ERPNext's mapper (v16's returns a list)

	kept, dropped = make_item(price=20), make_item(price=30)
	supplier = make_supplier()

	def bought_for_two(submit):
		first, second = confirmed([(kept, 1)], days=10), confirmed([(dropped, 2)], days=10)
		po = None
		for name, item in ((first, kept), (second, dropped)):
			so = frappe.db.get_value("Customer Order", name, "sales_order")
			po = map_purchase_order(so, [item], target_doc=po)
		po.supplier = supplier
		po.insert()
		if submit:
			po.submit()
		return first, second, po

	first, second, submitted = bought_for_two(submit=True)
	third, fourth, draft = bought_for_two(submit=False)
	names = [first, second, third, fourth]
	runs.start_run(full=True, inline=True, commit=False)

	def sources(name):
		request_done()  # the user looks after their request ended
		return frappe.db.get_value("Customer Order Item", {"parent": name}, "sources") or ""

	assert submitted.name in sources(second) and draft.name in sources(fourth)

	def update_items():
		row = next(r for r in submitted.items if r.item_code == kept)
		update_child_qty_rate(
			"Purchase Order",
			json.dumps(
				[
					{
						"docname": row.name,
						"item_code": kept,
						"qty": row.qty,
						"rate": row.rate,
						"conversion_factor": 1,
						"schedule_date": str(row.schedule_date),
					}
				]
			),
			submitted.name,
		)

	checked(names, update_items)
	assert submitted.name not in sources(second) and submitted.name in sources(first)

	def edit_draft():
		draft.set("items", [r for r in draft.items if r.item_code == kept])
		draft.save()

	checked(names, edit_draft)
	assert draft.name not in sources(fourth) and draft.name in sources(third)


def test_priority_moved_by_update_items_before_the_shortage_job_ran():
	"""Update Items moves another order's delivery date ahead: the priority pass gives the stock to it.
	The app's event recomputes the other orders of the item in a job after the commit; here that job has
	not run yet when the nightly run comes (as on a busy queue: the job is only registered)."""
	from erpnext.controllers.accounts_controller import update_child_qty_rate

	item = make_item(price=10)
	add_stock(item, 6)
	early, late = confirmed([(item, 5)], days=5), confirmed([(item, 5)], days=20)
	names = [early, late]
	runs.start_run(full=True, inline=True, commit=False)
	assert (status(early), status(late)) == ("Not booked", "Not enough")
	so = frappe.get_doc("Sales Order", frappe.db.get_value("Customer Order", late, "sales_order"))
	row = so.items[0]

	def move_ahead():
		frappe.flags.in_test = False  # the shortage job waits for the commit, as on a live site
		try:
			update_child_qty_rate(
				"Sales Order",
				json.dumps(
					[
						{
							"docname": row.name,
							"item_code": item,
							"qty": row.qty,
							"rate": row.rate,
							"conversion_factor": 1,
							"delivery_date": add_days(nowdate(), 2),
						}
					]
				),
				so.name,
			)
		finally:
			frappe.flags.in_test = True
			frappe.flags.pop("order_mgmt_shortage_items", None)

	checked(names, move_ahead)
	assert (status(early), status(late)) == ("Not enough", "Not booked")


def test_material_request_moved_in_erpnext():
	"""A purchase request partly ordered, stopped, re-opened, its purchase order cancelled."""
	import erpnext.stock.doctype.material_request.material_request as material_request

	name = confirmed([(make_item(price=20), 10)], days=10)
	mr = supply_api.make_material_request(name, material_request_type="Purchase", submit=1)[
		"material_request"
	]
	runs.start_run(full=True, inline=True, commit=False)
	pos = []

	def order_part():
		po = material_request.make_purchase_order(mr)
		po.supplier = make_supplier()
		po.items[0].qty = 4
		po.insert()
		po.submit()
		pos.append(po)

	checked([name], order_part)
	checked([name], lambda: material_request.update_status(mr, "Stopped"))
	assert mr not in frappe.db.get_value("Customer Order Item", {"parent": name}, "sources")
	checked([name], lambda: material_request.update_status(mr, "Submitted"))
	assert mr in frappe.db.get_value("Customer Order Item", {"parent": name}, "sources")
	checked([name], lambda: pos[0].cancel())


def test_a_change_committed_after_a_run_read_is_found_by_the_next_run():
	"""Stock counted by a long Stock Reconciliation (ERPNext submits one of more than 100 rows in a
	background job, in one transaction): it wrote its rows before a run started and committed after the
	run read, so that run could not see it. The next run looks back far enough to find it."""
	item = make_item(price=10)
	name = confirmed([(item, 3)], days=9)
	runs.start_run(full=True, inline=True, commit=False)
	assert status(name) == "Not enough"
	written = now_datetime()
	add_stock(item, 5)  # a receipt that names no order
	# the run that started 100 minutes after the rows were written, and read before they were committed
	blind = runs.start_run(
		full=False, since=now_datetime(), now=add_to_date(written, minutes=100), inline=True, commit=False
	)
	assert status(name) == "Not enough"
	run = frappe.get_doc(
		runs.RUN, runs.start_run(full=False, now=add_to_date(written, hours=3), inline=True, commit=False)
	)
	assert get_datetime(run.since) < written
	assert name in {n for b in run.batches for n in json.loads(b.order_names)["orders"]}
	assert status(name) == "Not booked"
	assert blind != run.name


def test_win_probabilities_changed_in_the_settings():
	"""Not ERPNext's, but an input all the same: the settings' win probability of the order's status."""
	name = confirmed([(make_item(price=10), 1)], days=9)
	runs.start_run(full=True, inline=True, commit=False)
	current = frappe.db.get_value("Customer Order", name, "status")

	def change():
		settings = frappe.get_single("Order Management Settings")
		settings.add_missing_probabilities()
		for row in settings.probabilities:
			if row.status == current:
				row.probability = 37
		settings.save()

	checked([name], change)
	assert frappe.db.get_value("Customer Order", name, "probability") == 37
	frappe.local.flags.pop("order_mgmt_probabilities", None)
