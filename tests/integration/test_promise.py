"""Promise dates (issue 28) on real ERPNext documents: the promise holds (item 4: stock, a Purchase Order due
in ten days, a Work Order, two earlier orders — confirmed at its promises the order changes no other
order's verdict, its lines are not short and the free balance stays ≥ 0), the two whitelisted methods
(item 6: bad input, services, unsaved lines) with a fixed number of queries, and their permissions over
HTTP."""

import frappe
import pytest
from frappe.utils import add_days, getdate, nowdate

from order_mgmt.api import customer_order as order_api
from order_mgmt.api import promise as api
from order_mgmt.api import stock, supply
from order_mgmt.figures import engine, shortages
from order_mgmt.figures import promise as figures
from order_mgmt.rules import promise as rule
from order_mgmt.rules import work_orders
from tests.integration.conftest import BENCH
from tests.integration.factories import (
	add_stock,
	company,
	counted_queries,
	make_bom,
	make_customer,
	make_item,
	make_order,
	make_supplier,
	refused,
	warehouse,
)


def day(n):
	return getdate(add_days(nowdate(), n))


def purchase_order(item, qty, days):
	"""A submitted Purchase Order of no customer order, due in `days`."""
	due = add_days(nowdate(), days)
	po = frappe.get_doc(
		{
			"doctype": "Purchase Order",
			"supplier": make_supplier(),
			"company": company(),
			"transaction_date": nowdate(),
			"schedule_date": due,
			"items": [
				{"item_code": item, "qty": qty, "rate": 5, "warehouse": warehouse(), "schedule_date": due}
			],
		}
	).insert()
	po.submit()
	return po


def work_order(item, qty, start_days):
	"""A submitted Work Order of no customer order, planned to start in `start_days`."""
	wo = frappe.new_doc("Work Order")
	wo.production_item = item
	wo.bom_no = frappe.db.get_value("BOM", {"item": item, "is_default": 1})
	wo.qty = qty
	wo.company = company()
	wo.wip_warehouse = wo.fg_warehouse = wo.source_warehouse = warehouse()
	wo.planned_start_date = f"{add_days(nowdate(), start_days)} 08:00:00"
	wo.insert()
	for d in wo.required_items:
		d.source_warehouse = warehouse()
	wo.submit()
	return wo


def confirmed(item, qty, days):
	order = make_order(items=[{"item_code": item, "qty": qty}], delivery_date=add_days(nowdate(), days))
	order_api.confirm(order.name)
	return frappe.get_doc("Customer Order", order.name)


def statuses(*orders):
	engine.recompute([o.name for o in orders])
	return {
		(r.parent, r.idx): r.product_status
		for r in frappe.get_all(
			"Customer Order Item",
			filters={"parent": ("in", [o.name for o in orders])},
			fields=["parent", "idx", "product_status"],
		)
	}


def balance(item):
	today = getdate(nowdate())
	pair = (item, warehouse())
	return rule.Balance(figures.positions_of({pair}, today)[pair], today)


def test_the_promise_holds_on_real_documents():
	item = make_item(price=10)
	make_bom(item, make_item(price=1))
	add_stock(item, 12)
	po = purchase_order(item, 10, 10)
	wo = work_order(item, 5, 15)
	wo.reload()
	wo_due = work_orders.expected_date(
		False,
		None,
		getdate(wo.planned_end_date) if wo.planned_end_date else None,
		getdate(wo.planned_start_date),
		0,
	)
	assert wo_due > day(12)
	first, second = confirmed(item, 8, 5), confirmed(item, 6, 12)
	before = statuses(first, second)
	short_before = shortages.shortages([item])

	# B: today 12, day 5: 4, day 10: 14, day 12: 8, the Work Order: 13
	draft = make_order(
		items=[
			{"item_code": item, "qty": 7, "delivery_date": add_days(nowdate(), 3)},
			{"item_code": item, "qty": 2, "delivery_date": add_days(nowdate(), 1)},
		]
	)
	answer = api.order_promise(draft.name)
	late, early = answer["lines"]
	assert (late["idx"], late["kind"], getdate(late["promise_date"]), late["indicator"]) == (
		1,
		rule.ATP,
		wo_due,
		rule.RED,
	)
	# the 2 of line 2 come first (its date is earlier); 6 in stock are left after the earlier orders
	# the demand due by then takes the earliest supply first: stock, then the Purchase Order
	assert late["sources"] == [
		{"kind": "Purchase Order", "name": po.name, "qty": 6.0, "due": str(day(10))},
		{"kind": "Work Order", "name": wo.name, "qty": 1.0, "due": str(wo_due)},
	]
	assert late["text"].startswith("7 on ") and f"1 from {wo.name} due" in late["text"]
	assert late["available_on_requested"] == 2 and "Row 1: 2 of 7 can be delivered on" in late["warning"]
	assert (early["kind"], getdate(early["promise_date"]), early["indicator"]) == (
		rule.ATP,
		day(0),
		rule.GREEN,
	)
	assert early["text"].endswith("(2 in stock)") and not early["warning"]
	assert getdate(answer["promise_date"]) == wo_due
	assert "other quotations are not promises" in answer["note"]

	# Promise Dates: each line at its promise, the order's promised date the latest
	for row, promised in zip(draft.items, answer["lines"], strict=True):
		row.delivery_date = promised["promise_date"]
	draft.delivery_date = answer["promise_date"]
	draft.save()
	again = api.order_promise(draft.name)["lines"]
	assert [d["indicator"] for d in again] == [rule.ORANGE, rule.GREEN]
	assert all(not d["late"] for d in again)

	order_api.confirm(draft.name)
	draft.reload()
	after = statuses(first, second, draft)
	assert {k: v for k, v in after.items() if k[0] != draft.name} == before
	assert shortages.shortages([item]) == short_before
	assert {after[(draft.name, 1)], after[(draft.name, 2)]} <= {"Ready for shipment", "Not booked"}
	free = balance(item)
	assert all(b >= -1e-9 for _d, b, _low in free.points())

	# reserving at most the smallest B(t) from today on keeps every verdict and B(t) ≥ 0
	smallest = free.lowest_from(day(0))
	assert smallest >= 2
	line_2 = next(d for d in draft.items if d.idx == 2)
	stock.reserve(draft.name, items=[{"line": line_2.name, "qty": 2}])
	after_reserve = statuses(first, second, draft)
	assert after_reserve[(draft.name, 2)] == "Ready for shipment"
	assert {k: v for k, v in after_reserve.items() if k[0] != draft.name} == before
	assert shortages.shortages([item]) == short_before
	assert all(b >= -1e-9 for _d, b, _low in balance(item).points())

	# what B(∞) cannot cover is no ATP: with no lead time on the item, it cannot be promised
	more = api.item_promise(item, 20, warehouse(), add_days(nowdate(), 30))
	assert (more["kind"], more["indicator"], more["promise_date"]) == (rule.CANNOT, rule.GREY, None)
	assert more["text"] == f"Cannot be promised: no planned supply covers it and {item} has no lead time"


def test_a_receipt_made_for_a_line_and_an_order_on_hold():
	# the item lets a Purchase Order bring more than its Sales Order line asks (ERPNext's allowance)
	item = make_item(price=10, lead_time_days=20, over_delivery_receipt_allowance=200)
	first = confirmed(item, 4, 5)
	po = frappe.get_doc(
		"Purchase Order",
		supply.make_purchase_order(first.name, supplier=make_supplier())["purchase_order"],
	)
	po.items[0].qty = 10  # more than the line's 4
	po.items[0].schedule_date = po.schedule_date = add_days(nowdate(), 7)
	po.save()
	po.submit()
	# the Purchase Order made for the line serves it; what it brings beyond its 4 is free on its date
	answer = api.item_promise(item, 6, warehouse(), add_days(nowdate(), 8))
	assert (answer["kind"], getdate(answer["promise_date"]), answer["indicator"]) == (
		rule.ATP,
		day(7),
		rule.ORANGE,
	)
	assert answer["sources"] == [{"kind": "Purchase Order", "name": po.name, "qty": 6.0, "due": str(day(7))}]
	bought = api.item_promise(item, 7, warehouse(), add_days(nowdate(), 8))
	assert (bought["kind"], getdate(bought["promise_date"])) == (rule.CTP_BUY, day(20))

	# a Sales Order on hold still needs its goods
	add_stock(item, 5)
	second = confirmed(item, 5, 30)
	frappe.db.set_value("Sales Order", second.sales_order, "status", "On Hold")
	# B: today 5, day 7: 11, day 30: 6 — without the order on hold 7 would be promised on day 7
	held = api.item_promise(item, 7, warehouse(), add_days(nowdate(), 8))
	assert (held["kind"], getdate(held["promise_date"])) == (rule.CTP_BUY, day(20))
	assert getdate(api.item_promise(item, 6, warehouse(), nowdate())["promise_date"]) == day(7)


def test_a_work_order_made_for_a_line_covers_it_and_a_closed_sales_order_needs_nothing():
	from erpnext.selling.doctype.sales_order.sales_order import update_status

	item = make_item(price=10, lead_time_days=20)
	make_bom(item, make_item(price=1))
	add_stock(item, 5)
	first = confirmed(item, 5, 5)
	# without a receipt of its own the first order needs the 5 in stock: 5 more come only by buying
	assert api.item_promise(item, 5, warehouse(), nowdate())["kind"] == rule.CTP_BUY
	made = frappe.get_doc("Work Order", supply.make_work_orders(first.name)["work_orders"][0])
	made.planned_start_date = f"{add_days(nowdate(), 10)} 08:00:00"
	made.wip_warehouse = made.fg_warehouse = warehouse()
	for d in made.required_items:
		d.source_warehouse = warehouse()
	made.save()
	made.submit()
	# the Work Order made for its line serves the first order; the stock is free again
	now = api.item_promise(item, 5, warehouse(), nowdate())
	assert (now["kind"], getdate(now["promise_date"]), now["indicator"]) == (rule.ATP, day(0), rule.GREEN)
	assert api.item_promise(item, 6, warehouse(), nowdate())["kind"] == rule.CTP_BUY

	second = confirmed(item, 4, 6)
	assert api.item_promise(item, 5, warehouse(), nowdate())["kind"] == rule.CTP_BUY
	update_status("Closed", second.sales_order)  # a closed Sales Order needs nothing any more
	assert getdate(api.item_promise(item, 5, warehouse(), nowdate())["promise_date"]) == day(0)


def test_capable_to_promise_manufactured_on_a_default_bom():
	product = make_item(price=50, lead_time_days=4, default_material_request_type="Manufacture")
	part = make_item(price=2, lead_time_days=9)
	make_bom(product, part, qty=2)
	add_stock(part, 6)  # enough for 3 products
	three = api.item_promise(product, 3, warehouse(), add_days(nowdate(), 10))
	assert (three["kind"], getdate(three["promise_date"]), three["indicator"]) == (
		rule.CTP_MAKE,
		day(4),
		rule.ORANGE,
	)
	assert "with a new Work Order" in three["text"]
	five = api.item_promise(product, 5, warehouse(), add_days(nowdate(), 10))
	assert (five["kind"], getdate(five["promise_date"]), five["indicator"]) == (
		rule.CTP_MAKE,
		day(13),
		rule.RED,
	)


def test_unsaved_lines_of_the_form_and_a_fixed_number_of_queries():
	items = [make_item(price=10) for _ in range(6)]
	for code in items:
		add_stock(code, 3)
	service = make_item(price=10, stock_item=False)
	lines = [
		{"item_code": code, "qty": 2, "idx": n, "delivery_date": add_days(nowdate(), 2)}
		for n, code in enumerate(items, 1)
	]

	def ask(rows):
		frappe.clear_cache()
		api.order_promise(lines=rows, company=company(), set_warehouse=warehouse())  # warm caches
		with counted_queries() as queries:
			answer = api.order_promise(lines=rows, company=company(), set_warehouse=warehouse())
		return answer, len(queries)

	one, few = ask(lines[:1])
	six, many = ask(
		[*lines, {"item_code": service, "qty": 1, "idx": 7}, {"item_code": "", "qty": 0, "idx": 8}]
	)
	assert few == many, (few, many)
	assert [d["indicator"] for d in six["lines"]] == [rule.GREEN] * 6 + [rule.GREY]
	assert six["lines"][-1]["text"] == "No promise needed"
	assert one["lines"][0]["warehouse"] == warehouse()


@pytest.mark.parametrize(
	"args, message",
	[
		({"qty": 0}, "greater than 0"),
		({"qty": -1}, "greater than 0"),
		({"qty": "ten"}, "greater than 0"),
		({"item_code": "_T-NO-SUCH-ITEM"}, "does not exist"),
		({"warehouse": "_T No Such Warehouse"}, "does not exist"),
		({"date": "31.02.2026"}, "is not a date"),
		({"date": "tomorrow"}, "is not a date"),
	],
)
def test_bad_input_gets_a_message_and_no_figures(args, message):
	item = make_item(price=10)
	kw = {"item_code": item, "qty": 1, "warehouse": warehouse(), "date": nowdate(), **args}
	with refused(frappe.ValidationError, match=message):
		api.item_promise(**kw)


def test_a_service_needs_no_promise_and_a_confirmed_order_is_told_where_to_look():
	service = make_item(price=10, stock_item=False)
	answer = api.item_promise(service, 3, None, nowdate())
	assert (answer["kind"], answer["indicator"], answer["text"]) == (
		rule.NOT_NEEDED,
		rule.GREY,
		"No promise needed",
	)
	order = confirmed(make_item(price=10), 1, 5)
	with refused(frappe.ValidationError, match="product statuses"):
		api.order_promise(order.name)


def test_german_words():
	item = make_item(price=10)
	add_stock(item, 5)
	frappe.local.lang = "de"
	frappe.translate.clear_cache()
	try:
		answer = api.item_promise(item, 2, warehouse(), nowdate())
	finally:
		frappe.local.lang = "en"
	assert "auf Lager" in answer["text"]


# --- permissions over HTTP --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(site):
	from tests.integration.erp_docs import purge_committed
	from tests.integration.http_site import ApiUsers, Server

	frappe.set_user("Administrator")
	users = ApiUsers()
	item = make_item(price=10)
	customer = make_customer()
	order = make_order(items=[{"item_code": item, "qty": 1}], customer=customer)
	suffix = frappe.generate_hash(length=6)
	manager = users.make(f"_t_promise_manager_{suffix}@example.com", ["Order Manager"])
	outsider = users.make(f"_t_promise_outsider_{suffix}@example.com", ["Purchase User"])
	frappe.db.commit()
	server = None
	try:
		server = Server(BENCH, site).start()
		yield {
			"order": order.name,
			"item": item,
			"manager": users.client(server, manager),
			"outsider": users.client(server, outsider),
		}
	finally:
		if server:
			server.stop()
		purge_committed(orders=[order.name], items=[item], customers=[customer])
		users.remove()
		frappe.db.commit()


def test_over_http_read_permission_on_customer_order_is_needed(served):
	path = "order_mgmt.api.promise"
	line = {"item_code": served["item"], "qty": 1, "idx": 1}
	for who, ok in (("manager", True), ("outsider", False)):
		client = served[who]
		by_name = client.call(f"{path}.order_promise", name=served["order"])
		unsaved = client.call(
			f"{path}.order_promise",
			lines=frappe.as_json([line]),
			company=company(),
			set_warehouse=warehouse(),
		)
		single = client.get(
			f"/api/method/{path}.item_promise",
			params={"item_code": served["item"], "qty": 1, "warehouse": warehouse(), "date": nowdate()},
		)
		for r in (by_name, unsaved, single):
			assert r.ok is ok, (who, r)
		if ok:
			assert (
				by_name.data["lines"][0]["kind"] == rule.CTP_BUY
				or by_name.data["lines"][0]["kind"] == rule.CANNOT
			)
			assert single.data["kind"] == rule.CANNOT
		else:
			# an order the user may not read answers as one that does not exist
			assert by_name.status == 404 and served["order"] in by_name.error
			assert unsaved.status == 403 and single.status == 403
	# read-only: a GET is enough, and nothing was written
	assert frappe.db.get_value("Customer Order", served["order"], "modified") is not None


def test_the_warning_of_a_save_gives_the_numbers_and_is_kept_once_in_the_timeline():
	item = make_item(price=10)
	add_stock(item, 3)
	po = purchase_order(item, 5, 6)
	order = make_order(items=[{"item_code": item, "qty": 5, "delivery_date": add_days(nowdate(), 2)}])
	text = figures.warn_late_lines(order)
	assert "Delivery dates earlier than the promises:" in text
	assert "Row 1: 3 of 5 can be delivered on" in text and f"2 from {po.name} due" in text

	def kept():
		return frappe.get_all(
			"Comment",
			filters={
				"reference_doctype": "Customer Order",
				"reference_name": order.name,
				"comment_type": "Info",
			},
			pluck="content",
		)

	assert len(kept()) == 1 and f"2 from {po.name}" in kept()[0]
	figures.warn_late_lines(order)  # the same warning again: not kept twice
	assert len(kept()) == 1
	order.items[0].delivery_date = add_days(nowdate(), 6)
	assert figures.warn_late_lines(order) == ""


def test_a_line_without_any_warehouse_is_told_to_choose_one():
	frappe.db.set_single_value("Stock Settings", "default_warehouse", None)
	frappe.db.value_cache.pop("Stock Settings", None)
	try:
		item = make_item(price=10)
		# an item without a default warehouse (ERPNext gives a new one the site's default)
		frappe.db.set_value("Item Default", {"parent": item}, "default_warehouse", None)
		line = api.order_promise(lines=[{"item_code": item, "qty": 1, "idx": 1}], company=company())["lines"][
			0
		]
		assert (line["kind"], line["indicator"], line["promise_date"]) == (rule.CANNOT, rule.GREY, None)
		assert "choose a warehouse" in line["text"]
		with refused(frappe.ValidationError, match="choose a warehouse"):
			api.item_promise(item, 1, None, nowdate())
	finally:
		frappe.db.rollback()
		frappe.db.value_cache.pop("Stock Settings", None)


def _messages():
	return "\n".join(str(m) for m in frappe.local.message_log)


def _kept(order):
	return frappe.get_all(
		"Comment",
		filters={"reference_doctype": "Customer Order", "reference_name": order.name, "comment_type": "Info"},
		pluck="content",
	)


def test_a_late_draft_warns_on_save_kept_once_and_confirming_warns_without_blocking():
	item = make_item(price=10)
	add_stock(item, 2)
	purchase_order(item, 5, 8)
	frappe.local.message_log = []
	order = make_order(items=[{"item_code": item, "qty": 5}], delivery_date=add_days(nowdate(), 3))
	assert "Delivery dates earlier than the promises:" in _messages()
	assert "Row 1: 2 of 5 can be delivered on" in _messages()
	assert len([c for c in _kept(order) if "earlier than the promises" in c]) == 1
	# a save that changes nothing a promise depends on says nothing again
	frappe.local.message_log = []
	order.reload()
	order.remarks = "call first"
	order.save()
	assert "earlier than the promises" not in _messages()
	# confirming re-checks (under the Bin locks), says so, keeps it, and confirms all the same
	order_api.confirm(order.name)
	assert "Confirmed with delivery dates earlier than the promises:" in _messages()
	assert frappe.db.get_value("Customer Order", order.name, "docstatus") == 1
	assert any("Confirmed with delivery dates earlier" in c for c in _kept(order))


def test_a_line_that_cannot_be_promised_warns_on_save_and_on_confirm():
	item = make_item(price=10)  # no stock, no receipt, no lead time
	frappe.local.message_log = []
	order = make_order(items=[{"item_code": item, "qty": 3}], delivery_date=add_days(nowdate(), 30))
	said = f"Row 1: no date can be promised for 3 of {item}: no planned supply covers it and {item} has no lead time"
	assert "Lines that cannot be promised:" in _messages() and said in _messages()
	assert len([c for c in _kept(order) if said in c]) == 1
	frappe.local.message_log = []
	order_api.confirm(order.name)
	assert "Confirmed with lines that cannot be promised:" in _messages()
	assert frappe.db.get_value("Customer Order", order.name, "docstatus") == 1


def test_a_draft_whose_dates_hold_says_nothing():
	item = make_item(price=10)
	add_stock(item, 9)
	frappe.local.message_log = []
	order = make_order(items=[{"item_code": item, "qty": 5}], delivery_date=add_days(nowdate(), 3))
	order_api.confirm(order.name)
	assert "promises" not in _messages()
	assert not [c for c in _kept(order) if "promises" in c]


def test_reserve_says_when_it_takes_stock_an_earlier_order_needs():
	item = make_item(price=10)
	add_stock(item, 5)
	earlier = confirmed(item, 4, 2)
	later = confirmed(item, 5, 9)
	frappe.local.message_log = []
	answer = stock.reserve(later.name)
	assert answer["reserved"] and len(answer["warnings"]) == 1
	assert "this reservation took 4 that orders due by" in answer["warnings"][0]
	assert "Reserved Before Earlier Orders" in _messages()
	# the earlier order reserving what is left takes nothing anybody needs before it
	add_stock(item, 4)
	assert stock.reserve(earlier.name)["warnings"] == []
