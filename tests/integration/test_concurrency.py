"""No double sale when two users act at the same moment: two real database connections in parallel.

These tests must commit their records (the other connection sees only committed data), so they remove
everything they made at the end, ledger rows included.
"""

import threading
import time

import frappe
import pytest
from frappe.utils import flt

from order_mgmt.api import customer_order as order_api
from order_mgmt.api import stock as stock_api
from order_mgmt.rules import availability
from order_mgmt.services import transactions
from tests.integration.conftest import SITE
from tests.integration.erp_docs import purge_committed
from tests.integration.factories import add_stock, make_customer, make_item, make_order

PAUSE = 0.6  # seconds each user waits between reading what is free and acting on it


def _paused(fn):
	"""The rule, with a pause after the read: without the app's locks both users would read the same
	free stock during the pause and both act on it."""

	def wrapper(*args, **kwargs):
		result = fn(*args, **kwargs)
		time.sleep(PAUSE)
		return result

	return wrapper


def snapshot_isolation() -> bool:
	"""Does the database refuse a locking read of a row changed after the transaction's snapshot
	(ER_CHECKREAD, MariaDB from 11.6 with innodb_snapshot_isolation, as the v16 platform's 11.8) instead of
	waiting for it (MariaDB 10, the v15 platform's)?"""
	row = frappe.db.sql("show variables like 'innodb_snapshot_isolation'")
	return bool(row) and str(row[0][1]).upper() in ("ON", "1")


@pytest.fixture(autouse=True, params=["as the request", "called by other code"])
def actions_as_requests(request, monkeypatch):
	"""The parallel users' actions run as a user's click runs them, as the request itself (`POST
	/api/method/<action>`: order_mgmt.services.transactions — on a transaction that reads what is committed,
	the confirmation's Bin locks taken late, again when the database ends it as a deadlock victim), and as
	called by other code (inside the caller's transaction, the Bins locked first). A database that refuses
	a locking read of a row changed after the transaction's snapshot (MariaDB from 11.6 with
	innodb_snapshot_isolation, as the v16 platform's 11.8) is met as the request only."""
	if request.param == "called by other code":
		if snapshot_isolation():
			pytest.skip("this database refuses stale locking reads: its users act as the request")
		return request.param
	monkeypatch.setattr(
		transactions,
		"is_the_request",
		lambda path: (
			bool(getattr(frappe.local, "order_mgmt_test_request", False)) and not frappe.db.transaction_writes
		),
	)
	return request.param


def run_in_parallel(*calls):
	"""Run each call as a different user session on its own database connection, released together."""
	barrier = threading.Barrier(len(calls))
	outcomes = [None] * len(calls)

	def worker(i, call):
		frappe.init(site=SITE, sites_path=".")
		frappe.connect()
		frappe.set_user("Administrator")
		frappe.local.order_mgmt_test_request = True  # a user's request (actions_as_requests)
		try:
			barrier.wait(timeout=30)
			call()
			frappe.db.commit()
			outcomes[i] = ("ok", "")
		except Exception as e:
			frappe.db.rollback()
			outcomes[i] = ("refused", str(e))
		finally:
			frappe.destroy()

	threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
	for t in threads:
		t.start()
	for t in threads:
		t.join(timeout=120)
	return outcomes


class Committed:
	"""Records made and committed for a parallel test, and their removal afterwards."""

	def __init__(self):
		self.items, self.customers, self.orders, self.vouchers = [], [], [], []

	def setup(self, stock_qty, order_qtys, confirm=True):
		item = make_item(price=10)
		self.items.append(item)
		se = add_stock(item, stock_qty)
		self.vouchers.append(("Stock Entry", se.name))
		for qty in order_qtys:
			customer = make_customer()
			self.customers.append(customer)
			order = make_order(customer=customer, items=[{"item_code": item, "qty": qty}])
			if confirm:
				order_api.confirm(order.name)
			self.orders.append(order.name)
		frappe.db.commit()
		return item

	def purge(self):
		purge_committed(self.orders, self.items, self.customers, self.vouchers)


@pytest.fixture
def committed():
	records = Committed()
	yield records
	records.purge()


def test_two_users_reserving_the_last_unit_at_once(committed, monkeypatch):
	item = committed.setup(stock_qty=1, order_qtys=[1, 1])
	first, second = committed.orders
	monkeypatch.setattr(availability, "to_reserve", _paused(availability.to_reserve))

	outcomes = run_in_parallel(lambda: stock_api.reserve(first), lambda: stock_api.reserve(second))

	assert sorted(o[0] for o in outcomes) == ["ok", "refused"], outcomes
	refused = next(o[1] for o in outcomes if o[0] == "refused")
	assert "Nothing could be reserved" in refused or "free" in refused
	frappe.db.rollback()  # a fresh look at what the two sessions committed
	assert frappe.db.get_value("Bin", {"item_code": item}, ["actual_qty", "reserved_stock"]) == (1, 1)
	reserved = frappe.get_all(
		"Stock Reservation Entry", filters={"item_code": item, "docstatus": 1}, pluck="reserved_qty"
	)
	assert flt(sum(reserved)) == 1


def test_two_users_delivering_the_last_unit_at_once(committed, monkeypatch):
	item = committed.setup(stock_qty=1, order_qtys=[1, 1])
	first, second = committed.orders
	monkeypatch.setattr(availability, "deliverable", _paused(availability.deliverable))

	outcomes = run_in_parallel(
		lambda: stock_api.make_delivery_note(first, submit=1),
		lambda: stock_api.make_delivery_note(second, submit=1),
	)

	assert sorted(o[0] for o in outcomes) == ["ok", "refused"], outcomes
	frappe.db.rollback()
	assert frappe.db.get_value("Bin", {"item_code": item}, "actual_qty") == 0
	statuses = sorted(frappe.db.get_value("Customer Order", o, "status") for o in committed.orders)
	assert statuses == ["Confirmed", "Shipped"]


def test_a_delivery_cannot_take_a_unit_being_reserved_for_another_order(committed, monkeypatch):
	item = committed.setup(stock_qty=1, order_qtys=[1, 1])
	first, second = committed.orders
	monkeypatch.setattr(availability, "to_reserve", _paused(availability.to_reserve))
	monkeypatch.setattr(availability, "deliverable", _paused(availability.deliverable))

	outcomes = run_in_parallel(
		lambda: stock_api.reserve(first), lambda: stock_api.make_delivery_note(second, submit=1)
	)

	assert sorted(o[0] for o in outcomes) == ["ok", "refused"], outcomes
	frappe.db.rollback()
	actual, reserved = frappe.db.get_value("Bin", {"item_code": item}, ["actual_qty", "reserved_stock"])
	assert reserved <= actual  # never more promised than there is


def test_two_users_confirming_orders_of_one_item_at_once(committed, monkeypatch, actions_as_requests):
	"""ERPNext's submit of each Sales Order re-sums the item's reserved quantity from a plain read and writes
	the whole Bin: the two confirmations meet in the Bin's lock (and in the Sales Orders' naming series), and
	the second one, reading what is committed, counts the first."""
	from erpnext.selling.doctype.sales_order import sales_order as erpnext_sales_order

	if actions_as_requests == "called by other code":
		pytest.skip(
			"inside a caller's transaction ERPNext re-sums the reserved quantity from the caller's snapshot "
			"(README, Not done yet)"
		)
	item = committed.setup(stock_qty=10, order_qtys=[3, 4], confirm=False)
	first, second = committed.orders
	monkeypatch.setattr(
		erpnext_sales_order, "get_reserved_qty", _paused(erpnext_sales_order.get_reserved_qty)
	)

	outcomes = run_in_parallel(lambda: order_api.confirm(first), lambda: order_api.confirm(second))

	assert [o[0] for o in outcomes] == ["ok", "ok"], outcomes
	frappe.db.rollback()
	actual, reserved, projected = frappe.db.get_value(
		"Bin", {"item_code": item}, ["actual_qty", "reserved_qty", "projected_qty"]
	)
	assert (actual, reserved, projected) == (10, 7, 3)
	assert {frappe.db.get_value("Customer Order", o, "status") for o in committed.orders} == {"Confirmed"}


def test_a_confirmation_meets_a_delivery_of_another_order_of_its_item(
	committed, monkeypatch, actions_as_requests
):
	"""A draft of an item confirmed while another order of the item is delivered: ERPNext's submit of each
	voucher re-sums the item's reserved quantity from a plain read and writes it to the Bin. The delivery
	locks the Bin first (the app's `make_delivery_note`); the confirmation locks it before its Sales Order's
	submit, so its read comes after the delivery's commit and counts it (without that lock it would write
	the delivered order's quantity back)."""
	from erpnext.selling.doctype.sales_order import sales_order as erpnext_sales_order

	if actions_as_requests == "called by other code":
		pytest.skip(
			"inside a caller's transaction ERPNext re-sums the reserved quantity from the caller's snapshot "
			"(README, Not done yet)"
		)
	item = committed.setup(stock_qty=10, order_qtys=[3])
	delivered = committed.orders[0]
	customer = make_customer()
	committed.customers.append(customer)
	draft = make_order(customer=customer, items=[{"item_code": item, "qty": 4}]).name
	committed.orders.append(draft)
	frappe.db.commit()
	monkeypatch.setattr(
		erpnext_sales_order, "get_reserved_qty", _paused(erpnext_sales_order.get_reserved_qty)
	)

	outcomes = run_in_parallel(
		lambda: stock_api.make_delivery_note(delivered, submit=1), lambda: order_api.confirm(draft)
	)

	assert [o[0] for o in outcomes] == ["ok", "ok"], outcomes
	frappe.db.rollback()
	assert frappe.db.get_value(
		"Bin", {"item_code": item}, ["actual_qty", "reserved_qty", "projected_qty"]
	) == (7, 4, 3)
	assert frappe.db.get_value("Customer Order", draft, "status") == "Confirmed"


def _as_frappes_route(method: str, path: str):
	"""The worker's request is Frappe's own route `method path` (a werkzeug request as the server's; the
	worker's frappe.local ends with it)."""
	from werkzeug.test import EnvironBuilder
	from werkzeug.wrappers import Request

	frappe.local.request = Request(EnvironBuilder(path=path, method=method).get_environ())


def test_two_clients_sending_orders_confirmed_at_once(committed, monkeypatch, actions_as_requests):
	"""Orders sent already confirmed (`POST /api/resource/Customer Order` with `docstatus: 1`, Frappe's insert,
	not the app's `confirm`): the two Sales Orders' submits meet in the Bin's lock, and the second re-sums
	the reserved quantity from a read of what is committed, counting the first."""
	from erpnext.selling.doctype.sales_order import sales_order as erpnext_sales_order

	if actions_as_requests == "called by other code":
		pytest.skip("Frappe's route is the request (the other case is the confirmation's test above)")
	item = committed.setup(stock_qty=10, order_qtys=[])
	customers = [make_customer(), make_customer()]
	committed.customers.extend(customers)
	frappe.db.commit()
	monkeypatch.setattr(
		erpnext_sales_order, "get_reserved_qty", _paused(erpnext_sales_order.get_reserved_qty)
	)
	made = []

	def send(customer, qty):
		def call():
			_as_frappes_route("POST", "/api/resource/Customer Order")
			order = make_order(customer=customer, items=[{"item_code": item, "qty": qty}], save=False)
			order.docstatus = 1
			order.insert()
			made.append(order.name)

		return call

	outcomes = run_in_parallel(send(customers[0], 3), send(customers[1], 4))
	committed.orders.extend(made)

	assert [o[0] for o in outcomes] == ["ok", "ok"], outcomes
	frappe.db.rollback()
	actual, reserved, projected = frappe.db.get_value(
		"Bin", {"item_code": item}, ["actual_qty", "reserved_qty", "projected_qty"]
	)
	assert (actual, reserved, projected) == (10, 7, 3)
	assert [frappe.db.get_value("Customer Order", o, "status") for o in made] == ["Confirmed"] * 2


def test_two_clients_cancelling_orders_of_one_item_at_once(committed, monkeypatch, actions_as_requests):
	"""Confirmed orders cancelled through Frappe's own route (`PUT /api/resource/Customer Order/<name>` with
	`docstatus: 2`, not the app's `cancel`): ERPNext's cancel of each Sales Order re-sums the item's reserved
	quantity; with the Bin locked first, on a read of what is committed, the second counts the first."""
	from erpnext.selling.doctype.sales_order import sales_order as erpnext_sales_order

	if actions_as_requests == "called by other code":
		pytest.skip("Frappe's route is the request (the other case is the confirmation's test above)")
	item = committed.setup(stock_qty=10, order_qtys=[3, 4])
	monkeypatch.setattr(
		erpnext_sales_order, "get_reserved_qty", _paused(erpnext_sales_order.get_reserved_qty)
	)

	def cancel(name):
		def call():
			_as_frappes_route("PUT", f"/api/resource/Customer Order/{name}")
			frappe.get_doc("Customer Order", name).cancel()

		return call

	outcomes = run_in_parallel(*(cancel(o) for o in committed.orders))

	assert [o[0] for o in outcomes] == ["ok", "ok"], outcomes
	frappe.db.rollback()
	assert frappe.db.get_value(
		"Bin", {"item_code": item}, ["actual_qty", "reserved_qty", "projected_qty"]
	) == (10, 0, 10)
	assert {frappe.db.get_value("Customer Order", o, "docstatus") for o in committed.orders} == {2}


def test_two_workers_share_a_runs_batches_each_batch_once(committed, monkeypatch):
	"""Two RQ workers' shares of one nightly run (`runs.drain_run`), on two connections at once: each
	batch is taken by one of them (its row locked until it commits), both do some, and the run is closed
	once with every batch's lines."""
	from order_mgmt.figures import runs

	committed.setup(stock_qty=10, order_qtys=[1, 1, 1, 1, 1, 1])
	monkeypatch.setattr(runs, "open_order_names", lambda: sorted(committed.orders))
	slow_batch = runs.recompute_batch

	def recompute_batch(*args, **kwargs):
		time.sleep(0.3)  # long enough for the other worker to look for a batch meanwhile
		return slow_batch(*args, **kwargs)

	monkeypatch.setattr(runs, "recompute_batch", recompute_batch)
	# the two shares below are the workers: nothing goes to the site's real queue
	monkeypatch.setattr(runs, "resume_run", lambda run: 0)
	run = runs.start_run(full=True, batch_size=1)
	frappe.db.commit()
	try:
		ran = []
		outcomes = run_in_parallel(
			lambda: ran.append(runs.drain_run(run)), lambda: ran.append(runs.drain_run(run))
		)
		assert [o[0] for o in outcomes] == ["ok", "ok"], outcomes
		assert sorted(ran) != [0, 6] and sum(ran) == 6  # shared, and no batch twice
		frappe.db.rollback()
		doc = frappe.get_doc(runs.RUN, run)
		assert doc.status == "Finished" and all(b.status == "Done" for b in doc.batches)
		assert doc.orders == 6 and doc.lines == 6 == sum(b.lines for b in doc.batches)
	finally:
		frappe.db.rollback()
		frappe.db.delete(runs.BATCH, {"parent": run})
		frappe.db.delete(runs.RUN, {"name": run})
		frappe.db.commit()


def test_two_users_naming_the_first_document_of_a_series_at_once_are_tried_again():
	"""On a transaction that reads what is committed, Frappe's `getseries` finds no row for a new series
	without locking its gap: the second user's insert of the series' row meets the first one's key (1062).
	The action is tried again then (the row exists by then), and only then."""
	import pymysql

	def duplicate():
		return pymysql.err.IntegrityError(1062, "Duplicate entry 'SAL-ORD-2027-' for key 'PRIMARY'")

	def getseries():
		raise duplicate()

	def insert_customer():
		raise duplicate()

	for call, retried in ((getseries, True), (insert_customer, False)):
		with pytest.raises(pymysql.err.IntegrityError) as caught:
			call()
		assert transactions._retryable(caught.value) is retried
	deadlock = pymysql.err.OperationalError(1213, "Deadlock found when trying to get lock")
	assert transactions._retryable(deadlock)
