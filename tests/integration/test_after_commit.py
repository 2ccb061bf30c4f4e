"""What the app does after an action's commit, on the path production takes (committed records, a real RQ
worker, a real queue that cannot be reached): the other orders' shortage job is queued after the commit and
run by a worker; a queue that cannot be reached never turns a done action into an error; a share of a
nightly run whose worker died is enqueued again by the next tick."""

import os
import subprocess

import frappe
import pytest
from frappe.installer import update_site_config
from frappe.utils import now_datetime

from order_mgmt.api import customer_order as order_api
from order_mgmt.figures import runs
from order_mgmt.rules import product
from tests.integration.conftest import BENCH, SITE
from tests.integration.http_site import ApiUsers, Server
from tests.integration.test_concurrency import Committed


@pytest.fixture
def committed():
	records = Committed()
	yield records
	records.purge()


def product_status(name) -> str:
	frappe.db.rollback()  # a fresh snapshot: what other connections committed
	return frappe.db.get_value("Customer Order", name, "product_status")


def run_worker(queue: str) -> None:
	"""A real RQ worker of the bench, run until its queue is empty (`bench worker --burst`)."""
	command = ["worker", "--queue", queue, "--burst"]
	subprocess.run(
		[os.path.join(BENCH, "env", "bin", "python"), "-m", "frappe.utils.bench_helper", "frappe", *command],
		cwd=os.path.join(BENCH, "sites"),
		check=True,
		timeout=300,
		capture_output=True,
	)


def test_the_other_orders_shortages_are_recomputed_by_a_worker_after_the_commit(committed):
	"""Two orders of 2 for 3 in stock: the second is short. Cancelling the first frees the stock; the
	second order's verdict moves in the job queued after the commit, which a worker runs."""
	committed.setup(stock_qty=3, order_qtys=[2, 2])
	first, second = committed.orders
	assert product_status(second) == product.NOT_ENOUGH
	order_api.cancel(first)
	frappe.db.commit()
	# the cancel answered without waiting for the neighbours: the job waits in the queue
	assert product_status(second) == product.NOT_ENOUGH
	run_worker("short")
	assert product_status(second) == product.NOT_BOOKED


def test_a_queue_that_cannot_be_reached_never_turns_a_done_action_into_an_error(committed):
	"""With the RQ queue's Redis unreachable, `reserve` over HTTP answers success; the reservation exists
	once; an Error Log row says what was not queued (the nightly run catches the neighbours up)."""
	item = committed.setup(stock_qty=5, order_qtys=[2])
	(name,) = committed.orders
	sales_order = frappe.db.get_value("Customer Order", name, "sales_order")
	users = ApiUsers()
	user = users.make("om-after-commit@example.com", ["Order Manager", "Sales Manager", "Stock Manager"])
	frappe.db.commit()
	before = now_datetime()
	original = frappe.get_site_config().get("redis_queue")
	update_site_config("redis_queue", "redis://127.0.0.1:1")  # nothing listens there
	server = Server(BENCH, SITE, workers=1)
	try:
		server.start()
		answer = users.client(server, user).call("order_mgmt.api.stock.reserve", name=name)
		assert answer.ok, answer
		assert answer.json["message"]["reserved"]
	finally:
		server.stop()
		update_site_config("redis_queue", original if original else "None")
		frappe.db.rollback()
		users.remove()
	entries = frappe.get_all(
		"Stock Reservation Entry",
		filters={"voucher_no": sales_order, "docstatus": 1},
		fields=["item_code", "reserved_qty"],
	)
	assert [(e.item_code, e.reserved_qty) for e in entries] == [(item, 2)]
	logged = frappe.get_all(
		"Error Log",
		filters={"method": "Order Management: not queued", "creation": (">=", before)},
		fields=["name", "error"],
	)
	assert logged and item in logged[0].error
	frappe.db.delete("Error Log", {"name": ("in", [e.name for e in logged])})
	frappe.db.commit()


def test_a_share_whose_worker_died_is_enqueued_again_by_the_next_tick():
	"""RQ keeps the job of a worker killed mid-share "started" until its timeout; the next tick removes it
	(its worker sends no heartbeat) so that the share is enqueued again. A share on a live worker stays."""
	from frappe.utils.background_jobs import create_job_id, get_redis_conn, is_job_enqueued
	from rq.job import Job
	from rq.worker import Worker

	conn = get_redis_conn()
	dead_id, live_id = (f"order_mgmt_recompute::om-test-run-{frappe.generate_hash(length=6)}::share-1",) * 2
	live_id = live_id.replace("share-1", "share-2")
	live_worker = Worker(["long"], connection=conn, name=f"om-test-live-{frappe.generate_hash(length=6)}")
	jobs = []
	try:
		live_worker.register_birth()
		for job_id, worker in ((dead_id, "om-test-killed-worker"), (live_id, live_worker.name)):
			job = Job.create("frappe.ping", id=create_job_id(job_id), connection=conn)
			job.worker_name = worker
			job.save()
			job.set_status("started")
			jobs.append(job)
		assert is_job_enqueued(dead_id) and is_job_enqueued(live_id)  # Frappe would skip both

		runs._forget_if_dead(dead_id)
		runs._forget_if_dead(live_id)

		assert not is_job_enqueued(dead_id)  # enqueued afresh by this tick
		assert is_job_enqueued(live_id)
	finally:
		for job in jobs:
			if Job.exists(
				job.id, connection=conn
			):  # the dead share's job is gone (v16's RQ refuses a second delete)
				job.delete()
		live_worker.register_death()
