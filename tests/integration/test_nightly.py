"""The incremental nightly run (R12): each order's next-check date, the watermarks that find orders whose
documents changed without an event, and the proof that an incremental run leaves exactly the statuses a
full run would, over a simulated week of documents and dates ("today" is the run's date, passed in as the
recompute's date hook)."""

import json

import frappe
from frappe.utils import add_days, getdate, now_datetime, nowdate

from order_mgmt.api import customer_order as order_api
from order_mgmt.api import stock as stock_api
from order_mgmt.api import supply as supply_api
from order_mgmt.figures import engine, nightly, profit, runs
from tests.integration.erp_docs import deliver
from tests.integration.factories import add_stock, make_item, make_order, make_supplier

#: what a user sees of an order (statuses, money figures) and of its lines
HEADER = engine.HEADER_FIELDS
LINE = engine.LINE_FIELDS


def confirmed(items, days):
	order = make_order(
		items=[{"item_code": i, "qty": q} for i, q in items], delivery_date=add_days(nowdate(), days)
	)
	order_api.confirm(order.name)
	return order.name


def snapshot(names) -> dict:
	"""What a user sees of the orders: header statuses and each line's status, quantities and sources."""
	heads = frappe.get_all(
		"Customer Order", filters={"name": ("in", names)}, fields=["name", "next_check", *HEADER]
	)
	lines = frappe.get_all(
		"Customer Order Item",
		filters={"parent": ("in", names), "parenttype": "Customer Order"},
		fields=["name", *LINE],
	)
	return {
		"orders": {h.name: {f: h[f] for f in ("next_check", *HEADER)} for h in heads},
		"lines": {r.name: {f: (str(r[f]) if r[f] is not None else None) for f in LINE} for r in lines},
	}


def test_next_check_is_written_with_the_statuses_and_without_touching_the_order():
	item = make_item(price=10)
	name = confirmed([(item, 2)], days=4)  # no stock: Not enough, Delayed after its date
	order = frappe.get_doc("Customer Order", name)
	assert order.items[0].product_status == "Not enough"
	assert getdate(order.next_check) == getdate(add_days(nowdate(), 5))
	modified = order.modified
	frappe.db.set_value("Customer Order", name, "next_check", None, update_modified=False)
	engine.recompute([name])
	assert getdate(frappe.db.get_value("Customer Order", name, "next_check")) == getdate(
		add_days(nowdate(), 5)
	)
	assert frappe.db.get_value("Customer Order", name, "modified") == modified
	# the day comes: the incremental run finds it by its date alone
	assert name in nightly.due_orders(add_days(nowdate(), 5))
	assert name not in nightly.due_orders(add_days(nowdate(), 4))


def test_stock_arriving_without_an_event_is_found_by_the_watermarks():
	item = make_item(price=10)
	name = confirmed([(item, 3)], days=9)
	assert frappe.db.get_value("Customer Order Item", {"parent": name}, "product_status") == "Not enough"
	since = now_datetime()
	assert name not in nightly.changed_orders(since)
	add_stock(item, 5)  # a receipt that names no order: no event of the app moves the order
	assert frappe.db.get_value("Customer Order Item", {"parent": name}, "product_status") == "Not enough"
	assert name in nightly.changed_orders(since)
	run = runs.start_run(full=False, since=since, inline=True, commit=False)
	assert name in json.loads(frappe.get_doc(runs.RUN, run).batches[0].order_names)["orders"]
	assert frappe.db.get_value("Customer Order Item", {"parent": name}, "product_status") == "Not booked"


def test_runs_record_their_batches_and_figures_and_a_finished_batch_is_not_run_again():
	item = make_item(price=10)
	names = [confirmed([(item, 1)], days=3 + i) for i in range(3)]
	frappe.db.set_value(
		"Customer Order Item", {"parent": ("in", names)}, "product_status", "", update_modified=False
	)
	frappe.db.set_value(
		"Customer Order", {"name": ("in", names)}, "product_status", "", update_modified=False
	)
	run = frappe.get_doc(runs.RUN, runs.start_run(full=True, batch_size=2, inline=True, commit=False))
	assert run.kind == "Full" and run.status == "Finished"
	assert run.batches and all(b.status == "Done" for b in run.batches)
	assert run.orders == len(runs.open_order_names())
	assert run.lines >= 3 and run.lines_changed >= 3 and run.changed >= 3
	assert sum(b.order_count for b in run.batches) == run.orders
	# RQ may start a batch twice: the second start finds it done and does nothing
	assert not runs.run_batch(run.name, run.batches[0].batch_no, commit=False)
	settings = frappe.get_single("Order Management Settings")
	assert "Full" in settings.last_runs and "lines changed" in settings.last_runs
	assert settings.run_progress == "No run in progress."


def test_incremental_and_full_runs_leave_identical_statuses_over_a_week():
	"""A week of nights: each night documents are made (with and without the app's events), then the
	incremental run judges the day, then a full run judges it again and must find nothing to change."""
	stocked, scarce, bought = make_item(price=10), make_item(price=20), make_item(price=30)
	add_stock(stocked, 6)
	orders = {
		"reserved later": confirmed([(stocked, 2)], days=3),
		"never covered": confirmed([(stocked, 1), (bought, 1)], days=2),
		"short": confirmed([(scarce, 4)], days=6),
		"also short": confirmed([(scarce, 2)], days=8),
		"bought": confirmed([(bought, 5)], days=5),
		"far away": confirmed([(stocked, 1)], days=30),
	}
	names = sorted(orders.values())
	po = supply_api.make_purchase_order(orders["bought"], supplier=make_supplier())["purchase_order"]
	po = frappe.get_doc("Purchase Order", po)
	po.items[0].expected_delivery_date = add_days(nowdate(), 3)
	po.submit()

	def night(day):
		"""The incremental run, then the full run on the same day: the full run changes nothing."""
		today = add_days(nowdate(), day)
		last = frappe.db.get_value(runs.RUN, {}, "started", order_by="started desc")
		incremental = frappe.get_doc(
			runs.RUN, runs.start_run(full=False, today=today, since=last, inline=True, commit=False)
		)
		picked = {n for b in incremental.batches for n in json.loads(b.order_names)["orders"]}
		after_incremental = snapshot(names)
		full = frappe.get_doc(runs.RUN, runs.start_run(full=True, today=today, inline=True, commit=False))
		assert snapshot(names) == after_incremental, day
		# the profitability followed what moved: refreshing every order's finds nothing to change
		assert not profit.update_profitability(names), day
		return picked & set(names), full

	runs.start_run(full=True, inline=True, commit=False)  # the baseline of the week
	seen = {}
	for day in range(1, 8):
		if day == 1:
			stock_api.reserve(orders["reserved later"])  # an action: its event recomputes the order
		if day == 2:
			add_stock(scarce, 5)  # stock without an event: "short" turns from Not enough to Not booked
		if day == 3:
			deliver(frappe.get_doc("Customer Order", orders["reserved later"]))
		if day == 4:
			po.reload()  # the supplier promises a later date (an event)
			po.items[0].expected_delivery_date = add_days(nowdate(), 6)
			po.save()
		seen[day] = night(day)[0]
	# dates alone moved orders on the days they named, documents on theirs; nothing else was read
	# the receipt covers the earlier-due "short" only: "also short" stays Not enough and is not re-read
	assert orders["short"] in seen[2] and orders["also short"] not in seen[2]
	assert orders["never covered"] in seen[3]  # Delayed the day after its delivery date
	assert orders["far away"] not in set().union(*seen.values())
	assert not seen[7] - {orders["also short"], orders["bought"], orders["short"]}
	statuses = {
		k: frappe.db.get_value("Customer Order Item", {"parent": n}, "product_status")
		for k, n in orders.items()
	}
	assert statuses["never covered"] == "Delayed" and statuses["far away"] != "Delayed"


def test_batches_fan_out_and_the_tick_resumes_a_run_until_its_last_batch_closes_it():
	"""The coordinator enqueues workers' shares of the batches (here nothing is committed, so RQ never
	sees them: the test runs them as workers would, out of order); the tick enqueues again while batches
	are not done and starts no new run while one is under way; the last batch closes the run. (Real RQ
	workers sharing a run: `benchmarks/run --only workers`.)"""
	item = make_item(price=10)
	for i in range(3):
		confirmed([(item, 1)], days=3 + i)
	run = frappe.get_doc(runs.RUN, runs.start_run(full=True, batch_size=1, commit=False))
	assert run.status == "Running" and len(run.batches) >= 3
	assert all(b.status == "Queued" for b in run.batches)
	assert "0 of" in frappe.get_single("Order Management Settings").run_progress
	last = run.batches[-1].batch_no
	assert runs.run_batch(run.name, last, commit=False)
	assert not runs.recompute_if_due(inline=True, commit=False)  # resumes the run, starts no other
	assert frappe.db.count(runs.RUN, {"status": "Running"}) == 1
	assert runs.resume_run(run.name) == len(run.batches) - 1
	# a worker's share takes every batch left (none is held by another worker here) and closes the run
	assert runs.drain_run(run.name, commit=False) == len(run.batches) - 1
	assert runs.drain_run(run.name, commit=False) == 0
	run.reload()
	assert run.status == "Finished" and all(b.status == "Done" for b in run.batches)
	assert run.lines == sum(b.lines for b in run.batches) and run.duration >= 0
	assert runs.resume_run(run.name) == 0


def test_a_run_that_never_finishes_is_given_up_and_the_next_one_starts():
	confirmed([(make_item(price=10), 1)], days=3)
	stuck = runs.start_run(full=True, batch_size=1, commit=False)  # its batches never run
	frappe.db.set_value(runs.RUN, stuck, "started", add_days(now_datetime(), -2), update_modified=False)
	frappe.db.set_single_value("Order Management Settings", "last_recompute", add_days(now_datetime(), -1))
	assert runs.recompute_if_due(inline=True, commit=False)
	assert frappe.db.get_value(runs.RUN, stuck, "status") == "Stopped"
	assert frappe.db.count(runs.RUN, {"status": "Running"}) == 0
