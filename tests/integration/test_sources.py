"""Sources (work orders, purchase orders, material requests) move the line, source and order statuses;
"today" is passed to the recompute to cover the date edges; the nightly job and archiving."""

import frappe
from frappe.utils import add_days, getdate, nowdate

from order_mgmt import fulfilment, tasks
from order_mgmt.api import customer_order as order_api
from order_mgmt.api import fulfilment as api
from tests.integration.factories import (
	add_stock,
	counted_queries,
	make_bom,
	make_item,
	make_order,
	make_supplier,
	refused,
	warehouse,
)


def confirmed(item, qty, days=10):
	order = make_order(items=[{"item_code": item, "qty": qty}], delivery_date=add_days(nowdate(), days))
	order_api.confirm(order.name)
	return frappe.get_doc("Customer Order", order.name)


def line(name):
	order = frappe.get_doc("Customer Order", name)
	return order, order.items[0]


def test_purchase_order_source_and_its_dates():
	item = make_item(price=20)
	order = confirmed(item, 4, days=10)
	delivery = getdate(order.items[0].delivery_date)
	assert line(order.name)[1].product_status == "Not enough"

	po_name = api.make_purchase_order(order.name, supplier=make_supplier())["purchase_order"]
	_order, row = line(order.name)
	assert row.product_status == "Requested"  # a draft purchase order is only requested
	assert f"Purchase Order {po_name}" in row.sources and "Requested" in row.sources

	po = frappe.get_doc("Purchase Order", po_name)
	po.submit()
	# the mapper asks the supplier for the order's delivery date: finishing on it is possibly delayed
	_order, row = line(order.name)
	assert getdate(row.expected_date) == delivery
	assert row.product_status == "Possibly delayed"

	# the supplier confirms an earlier date: expected on time
	po.reload()
	po.items[0].expected_delivery_date = add_days(delivery, -3)
	po.save()
	_order, row = line(order.name)
	assert row.product_status == "Expected on time"
	assert order.status == "Confirmed"

	# the same facts judged on other days
	def status_on(day):
		fulfilment.recompute([order.name], today=day)
		return line(order.name)[1].product_status

	assert status_on(add_days(delivery, -4)) == "Expected on time"
	assert status_on(add_days(delivery, -3)) == "Expected on time"  # due today from the supplier
	assert status_on(add_days(delivery, -2)) == "Possibly delayed"  # supplier date passed, not received
	assert status_on(delivery) == "Possibly delayed"  # delivery date is today, not received
	assert status_on(add_days(delivery, 1)) == "Delayed"  # delivery date passed
	fulfilment.recompute([order.name])

	# the supplier slips past the delivery date: delayed
	po.reload()
	po.items[0].expected_delivery_date = add_days(delivery, 2)
	po.save()
	assert line(order.name)[1].product_status == "Delayed"

	# receipt: the source is received; the goods are in stock, then booked to the order
	from erpnext.buying.doctype.purchase_order.purchase_order import make_purchase_receipt

	pr = make_purchase_receipt(po.name)
	pr.insert()
	pr.submit()
	_order, row = line(order.name)
	assert "Received" in row.sources
	if row.reserved_qty < 4:  # unless ERPNext reserved on receipt
		assert row.product_status == "Not booked"
		api.reserve(order.name)
	order, row = line(order.name)
	assert (row.product_status, order.status) == ("Ready for shipment", "Ready for Shipment")

	# cancelling the receipt (after releasing) and the order takes the line back
	api.release(order.name)
	pr.reload()
	pr.cancel()
	po.reload()
	po.cancel()
	order, row = line(order.name)
	assert (row.product_status, order.status) == ("Not enough", "Confirmed")


def test_material_request_is_requested():
	item = make_item(price=20)
	order = confirmed(item, 3)
	mr = api.make_material_request(order.name, material_request_type="Purchase", submit=1)
	_order, row = line(order.name)
	assert row.product_status == "Requested"
	assert f"Material Request {mr['material_request']}" in row.sources
	frappe.get_doc("Material Request", mr["material_request"]).cancel()
	assert line(order.name)[1].product_status == "Not enough"


def _work_order_ready(name):
	wo = frappe.get_doc("Work Order", name)
	wo.wip_warehouse = warehouse()
	wo.fg_warehouse = warehouse()
	wo.source_warehouse = warehouse()
	for d in wo.required_items:
		d.source_warehouse = warehouse()
	return wo


def test_work_order_moves_the_order_through_production():
	from erpnext.manufacturing.doctype.work_order.work_order import make_stock_entry

	product, raw = make_item(price=100), make_item(price=5)
	make_bom(product, raw, qty=2)
	add_stock(raw, 20)
	order = confirmed(product, 5, days=10)
	delivery = getdate(order.items[0].delivery_date)

	names = api.make_work_orders(order.name)["work_orders"]
	assert len(names) == 1
	order, row = line(order.name)
	assert (row.product_status, order.status) == ("Requested", "Confirmed")  # draft: not yet planned

	wo = _work_order_ready(names[0])
	wo.expected_delivery_date = add_days(delivery, -2)
	wo.planned_end_date = f"{add_days(delivery, -2)} 17:00:00"
	wo.save()
	wo.submit()
	order, row = line(order.name)
	assert (row.product_status, order.status) == ("Expected on time", "Waiting for Production")

	# the plan moves to the delivery date, then past it
	wo.reload()
	wo.expected_delivery_date = delivery
	wo.save()
	assert line(order.name)[1].product_status == "Possibly delayed"
	wo.reload()
	wo.expected_delivery_date = add_days(delivery, 1)
	wo.save()
	assert line(order.name)[1].product_status == "Delayed"

	# production starts: material transferred
	transfer = frappe.get_doc(make_stock_entry(wo.name, "Material Transfer for Manufacture", 5))
	transfer.insert()
	transfer.submit()
	order, row = line(order.name)
	assert order.status == "In Production"

	# production finishes: the work order is received; booking the goods makes the order ready
	finish = frappe.get_doc(make_stock_entry(wo.name, "Manufacture", 5))
	finish.insert()
	finish.submit()
	order, row = line(order.name)
	assert "Received" in row.sources
	if row.reserved_qty < 5:
		api.reserve(order.name)
	order, row = line(order.name)
	assert (row.product_status, order.status) == ("Ready for shipment", "Ready for Shipment")

	# undo: release, cancel the manufacture: back in production
	api.release(order.name)
	finish.reload()
	finish.cancel()
	order, row = line(order.name)
	assert order.status == "In Production"


def test_not_enough_counts_higher_priority_orders():
	item = make_item(price=10)
	add_stock(item, 6)
	early = confirmed(item, 5, days=3)
	late = confirmed(item, 5, days=20)
	fulfilment.recompute([early.name, late.name])
	assert line(early.name)[1].product_status == "Not booked"  # 6 in stock cover the earlier order
	assert line(late.name)[1].product_status == "Not enough"  # 1 left for the later one
	api.reserve(late.name)  # booking changes who has the goods
	fulfilment.recompute([early.name, late.name])
	assert line(late.name)[1].product_status == "Ready for shipment"
	assert line(early.name)[1].product_status == "Not enough"


def test_the_nightly_job_finds_the_same_short_lines_as_the_documents_events():
	item = make_item(price=10)
	add_stock(item, 6)
	early = confirmed(item, 5, days=3)
	late = confirmed(item, 5, days=20)
	plenty = confirmed(make_item(price=10), 2, days=5)  # nothing in stock, nothing else wants it
	fulfilment.recompute([early.name, late.name, plenty.name])
	by_events = {o.name: line(o.name)[1].product_status for o in (early, late, plenty)}
	assert by_events == {early.name: "Not booked", late.name: "Not enough", plenty.name: "Not enough"}
	frappe.db.set_value("Customer Order Item", {"parent": ("in", list(by_events))}, "product_status", "")
	# one priority pass over all open demand for every batch, here of one order each
	tasks.recompute_open_orders(batch_size=1)
	assert {name: line(name)[1].product_status for name in by_events} == by_events


def test_sources_cannot_be_made_for_an_unconfirmed_order():
	order = make_order(items=[{"item_code": make_item(price=5), "qty": 1}])
	with refused(match="Only a confirmed order"):
		api.make_purchase_order(order.name, supplier=make_supplier())
	with refused(match="Only a confirmed order"):
		api.make_material_request(order.name)
	with refused(match="Only a confirmed order"):
		api.make_work_orders(order.name)


def test_nightly_recompute_uses_the_same_queries_for_many_orders():
	items = [make_item(price=5) for _ in range(3)]
	add_stock(items[0], 1000)
	stamp = frappe.db.set_value  # make every order look stale, so each run has writes to do

	def seed(n):
		made = []
		for i in range(n):
			order = make_order(
				items=[
					{"item_code": items[i % 3], "qty": 1 + i % 4},
					{"item_code": items[(i + 1) % 3], "qty": 2},
				]
			)
			order_api.confirm(order.name)
			made.append(order.name)
		return made

	def run():
		names = tasks.open_order_names()
		for n in names:
			stamp("Customer Order", n, "product_status", "", update_modified=False)
		frappe.local.flags.pop("order_mgmt_probabilities", None)
		with counted_queries() as queries:
			result = tasks.recompute_open_orders(batch_size=1000, today=add_days(nowdate(), 1))
		return result, len(queries)

	seed(20)
	run()  # warm caches
	small, small_queries = run()
	seed(80)
	large, large_queries = run()
	assert (small["orders"], large["orders"]) == (20, 100)
	assert small["batches"] == large["batches"] == 1
	assert large_queries == small_queries, (small_queries, large_queries)
	# nothing changed since: a second run writes nothing
	with counted_queries() as queries:
		again = tasks.recompute_open_orders(batch_size=1000, today=add_days(nowdate(), 1))
	assert again["changed"] == 0
	assert not [q for q in queries if str(q).lstrip().upper().startswith("UPDATE")]


def test_the_job_runs_when_its_cron_is_due():
	settings = frappe.get_single("Order Management Settings")
	settings.recompute_cron = "0 1 * * *"
	settings.last_recompute = f"{add_days(nowdate(), -1)} 01:00:00"
	settings.save()
	assert not tasks.recompute_if_due(now=f"{nowdate()} 00:30:00")
	assert tasks.recompute_if_due(now=f"{nowdate()} 01:05:00")
	assert str(frappe.db.get_single_value("Order Management Settings", "last_recompute")).startswith(
		nowdate()
	)
	assert not tasks.recompute_if_due(now=f"{nowdate()} 02:00:00")


def test_a_bad_cron_is_refused():
	settings = frappe.get_single("Order Management Settings")
	settings.recompute_cron = "every night"
	with refused(match="not a valid cron"):
		settings.save()


def test_archive_old_orders():
	item = make_item(price=5)
	add_stock(item, 10)
	old, recent, canceled = confirmed(item, 1), confirmed(item, 1), confirmed(item, 1)
	for name in (old.name, recent.name):
		api.make_delivery_note(name, submit=1)
		order_api.complete(name)
	order_api.cancel(canceled.name)
	frappe.db.set_value("Customer Order", old.name, "completed_on", add_days(nowdate(), -400))
	frappe.db.set_value(
		"Customer Order", canceled.name, "modified", add_days(nowdate(), -400), update_modified=False
	)

	archived = tasks.archive_old_orders()
	assert set(archived) == {old.name, canceled.name}
	assert frappe.db.get_value("Customer Order", old.name, "status") == "Archived"
	assert frappe.db.get_value("Customer Order", recent.name, "status") == "Delivered"
	with refused(match="archived"):
		order_api.set_status(old.name, "Delivered")
