"""order_mgmt benchmarks: run by `benchmarks/run` (see README, "Benchmarks"), from the bench's sites folder.

    benchmarks/run [--quick] [--lines N] [--site S] [--json PATH] [--only part,part]

Seeds a dedicated site once (reused on later runs), then measures on it, in one run: the nightly recompute
(at 10 %, 50 % and 100 % of the scale, once with nothing changed and once with every line changed) next to
ERPNext's per-document refresh, order entry next to a plain Sales Order, the hooks' overhead on Delivery
Notes, Sales Invoices and Payment Entries, every script report, and the REST API. Prints a table and writes
JSON. Each recompute measurement runs in a fresh process, so its peak memory is its own.
"""

import argparse
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
APP = os.path.dirname(HERE)
if APP not in sys.path:
	sys.path.insert(0, APP)

PARTS = (
	"night",
	"full",
	"workers",
	"recompute",
	"peer",
	"entry",
	"hooks",
	"reports",
	"rest",
	"portal",
	"promise",
)
TARGETS = {
	"night_s_per_100k_lines": 1.0,
	"recompute_unchanged_lps": 20_000,
	"recompute_changed_lps": 10_000,
	"peak_memory_mb": 500,
	"peer_ratio": 100,
	"entry_ratio": 1.3,
	"hook_overhead_pct": 10,
	#: every report with its form's default filters: 1 s at 100,000 lines, 3 s at 500,000 (issue 18)
	"report_s": 1.0,
	"report_s_500k": 3.0,
	"rest_p95_ms": 100,
	"portal_page_ms": 300,
	#: the promise of every line of a 50-line quotation (issue 28)
	"promise_ms": 300,
}


def connect(site):
	import frappe

	frappe.init(site=site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	return frappe


def rss_mb() -> float:
	"""This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited from the parent)."""
	try:
		with open("/proc/self/status") as status:
			for line in status:
				if line.startswith("VmHWM:"):
					return int(line.split()[1]) / 1024
	except OSError:
		pass
	return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- queries counted per batch ---------------------------------------------------------------------------


class QueryCounter:
	def __init__(self, frappe):
		self.db = frappe.db
		self.count = 0
		self._sql = self.db.sql

		def sql(*args, **kwargs):
			self.count += 1
			return self._sql(*args, **kwargs)

		self.db.sql = sql

	def take(self) -> int:
		n, self.count = self.count, 0
		return n


# --- child: one recompute measurement in its own process ---------------------------------------------------


def child_recompute(site, fraction, mode):
	"""Recompute the first `fraction` of the open orders as the nightly job does (batches, a commit after
	each). `mode`: "unchanged" (the stored statuses are current) or "changed" (every stored status and
	quantity is first made stale, so every line's values are written)."""
	frappe = connect(site)
	from order_mgmt.figures import engine, runs, shortages

	names = runs.open_order_names()
	names = names[: max(1, round(len(names) * fraction))]
	if mode == "changed":
		_make_stale(frappe, names)
	coi = frappe.qb.DocType("Customer Order Item")
	lines = 0
	for start in range(0, len(names), 5000):
		from frappe.query_builder.functions import Count

		lines += (
			frappe.qb.from_(coi).select(Count("*")).where(coi.parent.isin(names[start : start + 5000]))
		).run()[0][0]
	# a worker that runs the nightly job has its modules imported and caches warm: so has this one
	engine.recompute(names[:3])
	frappe.db.rollback()
	base_mb = rss_mb()
	counter = QueryCounter(frappe)
	batch_size = 500
	queries, changed = [], 0
	started = time.perf_counter()
	# as runs.recompute_open_orders: the priority pass once, then the batches, a commit after each
	short = shortages.shortages()
	setup_queries = counter.take()
	for start in range(0, len(names), batch_size):
		changed += runs.recompute_batch(names[start : start + batch_size], short=short)
		frappe.db.commit()
		queries.append(counter.take())
	seconds = time.perf_counter() - started
	print(
		json.dumps(
			{
				"orders": len(names),
				"lines": lines,
				"seconds": seconds,
				"lines_per_s": lines / seconds,
				"orders_changed": changed,
				"batches": len(queries),
				"queries_per_batch": [min(queries), max(queries)],
				"queries_once": setup_queries,
				"peak_memory_mb": rss_mb(),
				"memory_before_mb": base_mb,
			}
		)
	)


def _make_stale(frappe, names):
	"""Every stored status, quantity and amount of these orders and their lines made wrong (one UPDATE per
	chunk), so that the recompute has to write all of them."""
	for start in range(0, len(names), 5000):
		chunk = tuple(names[start : start + 5000])
		frappe.db.sql(
			"""update `tabCustomer Order Item` set product_status = 'stale', reserved_qty = -1,
			delivered_qty = -1, expected_date = null, sources = 'stale' where parent in %(n)s""",
			{"n": chunk},
		)
		frappe.db.sql(
			"""update `tabCustomer Order` set product_status = 'stale', per_reserved = -1, per_delivered = -1,
			invoice_status = 'stale', per_invoiced = -1, invoiced_amount = -1, payment_status = 'stale',
			per_paid = -1, paid_amount = -1, outstanding_amount = -1 where name in %(n)s""",
			{"n": chunk},
		)
	frappe.db.commit()


def child_night(site, fraction):
	"""A normal night: `fraction` of the open orders touched — half by a date that came (their next-check
	date is today), half by documents changed without an event (their Sales Orders' `modified` moved, as
	ERPNext's own SQL status updates move it) — then the incremental run as the scheduler starts it (the
	coordinator's selection, the batches, the run log), on one worker, timed in all."""
	frappe = connect(site)
	import random

	from frappe.utils import now_datetime, nowdate

	from order_mgmt.figures import engine, runs

	names = runs.open_order_names()
	# catch up first (not timed): a site seeded on another day has orders whose dates came since
	runs.start_run(full=False, since=now_datetime(), inline=True)
	engine.recompute(names[:3])
	frappe.db.commit()
	touched = random.Random(7).sample(names, max(2, round(len(names) * fraction)))
	by_date, by_document = touched[: len(touched) // 2], touched[len(touched) // 2 :]
	since = now_datetime()
	time.sleep(0.01)
	frappe.db.sql(
		"update `tabCustomer Order` set next_check = %(today)s where name in %(names)s",
		{"today": nowdate(), "names": tuple(by_date)},
	)
	frappe.db.sql(
		"""update `tabSales Order` so join `tabCustomer Order` co on co.sales_order = so.name
		set so.modified = now(6) where co.name in %(names)s""",
		{"names": tuple(by_document)},
	)
	frappe.db.commit()
	base_mb = rss_mb()
	counter = QueryCounter(frappe)
	started = time.perf_counter()
	run = runs.start_run(full=False, since=since, today=nowdate(), inline=True)
	seconds = time.perf_counter() - started
	queries = counter.take()
	run = frappe.get_doc(runs.RUN, run)
	print(
		json.dumps(
			{
				"open_orders": len(names),
				"touched": len(touched),
				"orders": run.orders,
				"lines": run.lines,
				"orders_changed": run.changed,
				"seconds": seconds,
				"queries": queries,
				"batches": len(run.batches),
				"peak_memory_mb": rss_mb(),
				"memory_before_mb": base_mb,
			}
		)
	)


def child_full_run(site, mode):
	"""The full run as the scheduler starts it (`runs.start_run(full=True)`: selection, the shared
	priority pass, the batches, the run log), on one worker. `mode` as in child_recompute."""
	frappe = connect(site)
	from order_mgmt.figures import engine, runs

	names = runs.open_order_names()
	if mode == "changed":
		_make_stale(frappe, names)
	engine.recompute(names[:3])
	frappe.db.rollback()
	base_mb = rss_mb()
	counter = QueryCounter(frappe)
	started = time.perf_counter()
	run = runs.start_run(full=True, inline=True)
	seconds = time.perf_counter() - started
	queries = counter.take()
	run = frappe.get_doc(runs.RUN, run)
	print(
		json.dumps(
			{
				"orders": run.orders,
				"lines": run.lines,
				"orders_changed": run.changed,
				"lines_changed": run.lines_changed,
				"seconds": seconds,
				"lines_per_s": run.lines / seconds,
				"batches": len(run.batches),
				"queries_per_batch": queries / max(len(run.batches), 1),
				"peak_memory_mb": rss_mb(),
				"memory_before_mb": base_mb,
			}
		)
	)


def child_full_workers(site, workers, mode="unchanged"):
	"""The full run fanned out on Frappe's queue as in production: `workers` RQ workers of the bench
	(`bench worker --queue long`) started, the coordinator (`runs.start_run(full=True)`) enqueues the
	batches on the long queue and commits, and the run is timed until its last batch closes it. Prints the
	jobs each worker finished (proof that they shared the work)."""
	frappe = connect(site)
	from frappe.utils.background_jobs import get_queue, get_redis_conn
	from rq import Worker

	from order_mgmt.figures import runs

	if mode == "changed":
		_make_stale(frappe, runs.open_order_names())
	sites = os.getcwd()
	procs = [
		subprocess.Popen(
			[sys.executable, "-m", "frappe.utils.bench_helper", "frappe", "worker", "--queue", "long"],
			cwd=sites,
			stdout=subprocess.DEVNULL,
			stderr=subprocess.DEVNULL,
			start_new_session=True,
		)
		for _ in range(workers)
	]
	conn = get_redis_conn()
	try:
		deadline = time.monotonic() + 60
		while len(Worker.all(connection=conn)) < workers and time.monotonic() < deadline:
			time.sleep(0.2)
		# jobs other sites or a migration left on the queue run first, untimed
		deadline = time.monotonic() + 600
		while time.monotonic() < deadline and (
			get_queue("long").count or any(w.get_state() == "busy" for w in Worker.all(connection=conn))
		):
			time.sleep(0.5)
		before = {w.name: w.successful_job_count for w in Worker.all(connection=conn)}
		started = time.perf_counter()
		run = runs.start_run(full=True)
		frappe.db.commit()  # the batches are enqueued when the coordinator's transaction commits
		status = None
		while status != "Finished" and time.perf_counter() - started < 1800:
			time.sleep(0.05)
			frappe.db.rollback()  # a fresh snapshot
			status = frappe.db.get_value(runs.RUN, run, "status")
		seconds = time.perf_counter() - started
		doc = frappe.get_doc(runs.RUN, run)
		jobs = sorted(
			(w.successful_job_count - before.get(w.name, 0) for w in Worker.all(connection=conn)),
			reverse=True,
		)
	finally:
		for proc in procs:
			os.killpg(proc.pid, 15)
		for proc in procs:
			proc.wait(timeout=30)
	print(
		json.dumps(
			{
				"workers": workers,
				"mode": mode,
				"status": status,
				"orders": doc.orders,
				"lines": doc.lines,
				"batches": len(doc.batches),
				"batches_done": sum(1 for b in doc.batches if b.status == "Done"),
				"jobs_per_worker": jobs,
				"seconds": seconds,
				"lines_per_s": doc.lines / seconds,
			}
		)
	)


def child_peer(site, fraction):
	"""ERPNext's own way: every Sales Order of the same orders loaded and its status refreshed, one
	document at a time (`get_doc` + `set_status(update=True)`), one commit at the end."""
	frappe = connect(site)
	from order_mgmt.figures import runs
	from order_mgmt.overrides import events

	# ERPNext's refresh alone: the app's own Sales Order on_change hook (which would recompute the order
	# after each document) is switched off in this process
	events.sales_order_changed = lambda doc, method=None: None
	names = runs.open_order_names()
	names = names[: max(1, round(len(names) * fraction))]
	co = frappe.qb.DocType("Customer Order")
	sales_orders = []
	for start in range(0, len(names), 5000):
		sales_orders += (
			frappe.qb.from_(co)
			.select(co.sales_order)
			.where(co.name.isin(names[start : start + 5000]) & co.sales_order.isnotnull())
		).run(pluck=True)
	lines = 0
	started = time.perf_counter()
	for so in sales_orders:
		doc = frappe.get_doc("Sales Order", so)
		doc.set_status(update=True, update_modified=False)
		lines += len(doc.items)
	frappe.db.commit()
	seconds = time.perf_counter() - started
	print(
		json.dumps(
			{
				"orders": len(sales_orders),
				"lines": lines,
				"seconds": seconds,
				"lines_per_s": lines / seconds,
				"peak_memory_mb": rss_mb(),
			}
		)
	)


def run_child(site, *args) -> dict:
	out = subprocess.run(
		[sys.executable, os.path.abspath(__file__), "--site", site, "--child", *map(str, args)],
		capture_output=True,
		text=True,
		check=False,
	)
	if out.returncode:
		sys.stderr.write(out.stdout + out.stderr)
		raise SystemExit(f"benchmark step {args} failed")
	return json.loads(out.stdout.strip().splitlines()[-1])


# --- order entry and hook overhead (in this process, rolled back) ------------------------------------------


def entry_and_hooks(frappe, rounds: int, parts) -> dict:
	"""Interleaved rounds: a 10-line Customer Order created and confirmed vs a 10-line Sales Order created
	and submitted; then a Delivery Note, a Sales Invoice and a Payment Entry against each one's Sales Order.
	Everything is rolled back at the end."""
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry
	from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note, make_sales_invoice

	from order_mgmt.setup import demo_masters

	ctx = frappe._dict(
		company=frappe.db.get_single_value("Global Defaults", "default_company"),
	)
	abbr = frappe.get_cached_value("Company", ctx.company, "abbr")
	stores = f"Stores - {abbr}"
	customer = demo_masters.CUSTOMERS[0][0]
	tax = frappe.db.get_value("Sales Taxes and Charges Template", {"title": f"{demo_masters.PREFIX} VAT 10%"})
	codes = ["DEMO-VALVE", "DEMO-FILTER", "DEMO-GAUGE"] * 3 + ["DEMO-VALVE"]
	today = frappe.utils.nowdate()
	delivery = frappe.utils.add_days(today, 10)
	frappe.flags.mute_emails = True

	def customer_order(codes=codes):
		doc = frappe.get_doc(
			{
				"doctype": "Customer Order",
				"customer": customer,
				"company": ctx.company,
				"order_date": today,
				"delivery_date": delivery,
				"set_warehouse": stores,
				"taxes_and_charges": tax,
				"items": [{"item_code": c, "qty": 2 + i} for i, c in enumerate(codes)],
			}
		).insert()
		doc.submit()
		return doc.sales_order

	def sales_order(codes=codes):
		doc = frappe.get_doc(
			{
				"doctype": "Sales Order",
				"customer": customer,
				"company": ctx.company,
				"transaction_date": today,
				"delivery_date": delivery,
				"set_warehouse": stores,
				"taxes_and_charges": tax,
				"items": [
					# the prices the Customer Order gets from the price list, given as a form would
					{
						"item_code": c,
						"qty": 2 + i,
						"rate": demo_masters.ITEMS[c][2],
						"price_list_rate": demo_masters.ITEMS[c][2],
						"delivery_date": delivery,
						"warehouse": stores,
					}
					for i, c in enumerate(codes)
				],
			}
		)
		doc.set_missing_values()
		doc.calculate_taxes_and_totals()
		doc.insert()
		doc.submit()
		return doc.name

	def timed(fn, *a):
		"""One request's work: the document's own, then what its commit runs first (the app's intake
		flush: the order's recompute); the commit itself is left out, and everything rolled back."""
		t = time.perf_counter()
		out = fn(*a)
		frappe.db.before_commit.run()
		return time.perf_counter() - t, out

	def delivery_note(so):
		dn = make_delivery_note(so)
		dn.insert()
		dn.submit()

	def invoice(so):
		si = make_sales_invoice(so)
		si.insert()
		si.submit()
		return si.name

	def payment(si):
		pe = get_payment_entry("Sales Invoice", si)
		pe.reference_no, pe.reference_date = "BENCH", today
		pe.insert()
		pe.submit()

	times = {
		k: {"order": [], "plain": []}
		for k in ("entry", "entry_200", "delivery_note", "sales_invoice", "payment_entry")
	}
	codes_200 = (["DEMO-VALVE", "DEMO-FILTER", "DEMO-GAUGE"] * 67)[:200]
	try:
		# one warm-up round, not counted
		for fn in (customer_order, sales_order):
			so = fn()
			delivery_note(so)
			payment(invoice(so))
		for i in range(rounds):
			pair = [("order", customer_order), ("plain", sales_order)]
			if i % 2:
				pair.reverse()
			sos = {}
			for kind, fn in pair:
				t, sos[kind] = timed(fn)
				times["entry"][kind].append(t)
			if "hooks" in parts:
				for kind, _fn in pair:
					t, _ = timed(delivery_note, sos[kind])
					times["delivery_note"][kind].append(t)
				invoices = {}
				for kind, _fn in pair:
					t, invoices[kind] = timed(invoice, sos[kind])
					times["sales_invoice"][kind].append(t)
				for kind, _fn in pair:
					t, _ = timed(payment, invoices[kind])
					times["payment_entry"][kind].append(t)
		# a 200-line order (fewer rounds: each takes seconds)
		for i in range(max(2, rounds // 4)):
			pair = [("order", customer_order), ("plain", sales_order)]
			if i % 2:
				pair.reverse()
			for kind, fn in pair:
				t, _ = timed(fn, codes_200)
				times["entry_200"][kind].append(t)
	finally:
		frappe.db.rollback()
	out = {}
	for key, pair in times.items():
		if pair["order"]:
			order, plain = statistics.median(pair["order"]), statistics.median(pair["plain"])
			out[key] = {
				"order_ms": order * 1000,
				"plain_ms": plain * 1000,
				"ratio": order / plain,
				"rounds": len(pair["order"]),
			}
	return out


# --- reports -------------------------------------------------------------------------------------------


def report_defaults(frappe, report: str) -> dict:
	"""The filters the report's form starts with: the `default:` of each filter in its .js."""
	folder = frappe.scrub(report)
	path = os.path.join(APP, "order_mgmt", "order_mgmt", "report", folder, f"{folder}.js")
	text = open(path).read()
	today = frappe.utils.getdate()
	company = frappe.db.get_single_value("Global Defaults", "default_company")
	filters = {}
	for m in re.finditer(r"fieldname:\s*\"(\w+)\"(?:(?!fieldname:).)*?default:\s*([^\n]+?),?\n", text, re.S):
		field, expr = m.group(1), m.group(2).strip().rstrip(",")
		if 'get_user_default("Company")' in expr:
			filters[field] = company
		elif expr.startswith("frappe.datetime.get_today()"):
			filters[field] = str(today)
		elif (
			months := re.search(r"add_months\(frappe\.datetime\.get_today\(\),\s*(-?\d+)\)", expr)
		) is not None:
			filters[field] = str(frappe.utils.add_months(today, int(months.group(1))))
		elif (lit := re.fullmatch(r"\"([^\"]*)\"", expr)) is not None:
			filters[field] = lit.group(1)
		elif expr in ("0", "1"):
			filters[field] = int(expr)
	return filters


def reports(frappe, repeat: int = 3) -> dict:
	from frappe.desk.query_report import run

	names = frappe.get_all(
		"Report", filters={"module": "Order Mgmt", "report_type": "Script Report"}, pluck="name"
	)
	out = {}
	for report in sorted(names):
		filters = report_defaults(frappe, report)
		# the first run after Frappe's caches are cleared (metadata, translations loaded again) ...
		frappe.clear_cache()
		t = time.perf_counter()
		result = run(report, filters=filters, ignore_prepared_report=True)
		cold = time.perf_counter() - t
		# ... and the runs a user gets on a running site (caches warm): the best of `repeat`
		times = []
		for _i in range(repeat):
			t = time.perf_counter()
			result = run(report, filters=filters, ignore_prepared_report=True)
			times.append(time.perf_counter() - t)
		rows = len(result.get("result") or [])
		out[report] = {"seconds": min(times), "cold_seconds": cold, "rows": rows, "filters": filters}
	return out


def gunicorn(port: int, workers: int, out=subprocess.DEVNULL) -> subprocess.Popen:
	"""Frappe's WSGI app on gunicorn on loopback, from the bench's env (run from the bench's sites folder, as
	`bench serve` would)."""
	bench = os.path.dirname(os.getcwd())
	return subprocess.Popen(
		[
			os.path.join(bench, "env", "bin", "gunicorn"),
			*("-b", f"127.0.0.1:{port}", "-w", str(workers), "--threads", "1", "-t", "120"),
			*("--preload", "frappe.app:application"),
		],
		stdout=out,
		stderr=subprocess.STDOUT if out is not subprocess.DEVNULL else subprocess.DEVNULL,
	)


# --- REST on a real server on loopback -----------------------------------------------------------------


def rest(frappe, site: str, requests: int) -> dict:
	import http.client
	import urllib.parse

	from frappe.core.doctype.user.user import generate_keys

	secret = generate_keys("Administrator")["api_secret"]
	key = frappe.db.get_value("User", "Administrator", "api_key")
	frappe.db.commit()
	order = frappe.db.get_value("Customer Order", {"docstatus": 1, "status": "Ready for Shipment"}, "name")
	port = int(os.environ.get("ORDER_MGMT_BENCH_PORT", "8765"))
	server = gunicorn(port, os.cpu_count() or 2)
	headers = {"Authorization": f"token {key}:{secret}", "Host": site, "Accept": "application/json"}
	fields = json.dumps(
		[
			"name",
			"customer",
			"order_date",
			"delivery_date",
			"status",
			"product_status",
			"invoice_status",
			"payment_status",
			"grand_total",
			"currency",
		]
	)
	paths = {
		"list_100_orders": "/api/resource/Customer%20Order?"
		+ urllib.parse.urlencode({"fields": fields, "limit_page_length": 100, "order_by": "modified desc"}),
		"one_order": f"/api/resource/Customer%20Order/{urllib.parse.quote(order)}",
	}
	try:
		for _ in range(100):
			try:
				c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
				c.request("GET", "/api/method/ping", headers=headers)
				if c.getresponse().status == 200:
					break
			except OSError:
				time.sleep(0.3)
		out = {}
		for label, path in paths.items():
			conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
			times = []
			for i in range(requests + 20):
				t = time.perf_counter()
				conn.request("GET", path, headers=headers)
				resp = conn.getresponse()
				body = resp.read()
				elapsed = time.perf_counter() - t
				if resp.status != 200:
					raise SystemExit(f"REST {path}: HTTP {resp.status} {body[:200]!r}")
				if i >= 20:  # the first requests warm the workers' caches
					times.append(elapsed)
			times.sort()
			data = json.loads(body)["data"]
			out[label] = {
				"median_ms": statistics.median(times) * 1000,
				"p95_ms": times[int(len(times) * 0.95) - 1] * 1000,
				"requests": len(times),
				"rows": len(data) if isinstance(data, list) else len(data.get("items", [])),
			}
		return out
	finally:
		server.terminate()
		server.wait(timeout=30)


def portal(frappe, site: str, requests_n: int) -> dict:
	"""The customer portal (R17): the page of a 50-line order and *My Orders* of its customer over HTTP as the
	customer's portal user (gunicorn on loopback, logged in), and the queries the order page reads. The user
	and the order are made once and kept on the site, as the seed is."""
	import requests
	from frappe.utils.password import update_password

	from order_mgmt import portal as pages
	from order_mgmt.setup import demo_masters

	email, password = "bench-portal@example.com", "Bench-Portal-1!"
	customer = demo_masters.CUSTOMERS[0][0]
	frappe.flags.mute_emails = True
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": "Bench Portal",
				"user_type": "Website User",
				"send_welcome_email": 0,
			}
		).insert(ignore_permissions=True)
		update_password(email, password)
		doc = frappe.get_doc("Customer", customer)
		doc.append("portal_users", {"user": email})
		doc.save(ignore_permissions=True)
		frappe.db.commit()
	coi = frappe.qb.DocType("Customer Order Item")
	co = frappe.qb.DocType("Customer Order")
	fifty = (
		frappe.qb.from_(coi)
		.join(co)
		.on(co.name == coi.parent)
		.select(coi.parent)
		.where((co.customer == customer) & (co.docstatus == 1))
		.groupby(coi.parent)
		.having(frappe.query_builder.functions.Count("*") == 50)
	).run(pluck=True)
	if fifty:
		order = fifty[0]
	else:
		company = frappe.db.get_single_value("Global Defaults", "default_company")
		abbr = frappe.get_cached_value("Company", company, "abbr")
		codes = (["DEMO-VALVE", "DEMO-FILTER", "DEMO-GAUGE"] * 17)[:50]
		doc = frappe.get_doc(
			{
				"doctype": "Customer Order",
				"customer": customer,
				"company": company,
				"order_date": frappe.utils.nowdate(),
				"delivery_date": frappe.utils.add_days(frappe.utils.nowdate(), 10),
				"set_warehouse": f"Stores - {abbr}",
				"items": [{"item_code": c, "qty": 1 + i % 4} for i, c in enumerate(codes)],
			}
		).insert()
		doc.submit()
		frappe.db.commit()
		order = doc.name
	counter = QueryCounter(frappe)
	pages.order_page(order, [customer])
	queries = counter.take()
	frappe.db.sql = counter._sql
	orders_listed = frappe.db.count("Customer Order", {"customer": customer, "docstatus": 1})

	port = int(os.environ.get("ORDER_MGMT_BENCH_PORT", "8765")) + 1
	server = gunicorn(port, 2)
	base = f"http://127.0.0.1:{port}"
	session = requests.Session()
	session.headers.update({"Host": site})
	try:
		for _ in range(100):
			try:
				if session.get(f"{base}/api/method/ping", timeout=30).status_code == 200:
					break
			except requests.RequestException:
				time.sleep(0.3)
		r = session.post(f"{base}/api/method/login", data={"usr": email, "pwd": password}, timeout=30)
		if r.status_code != 200:
			raise SystemExit(f"portal login: HTTP {r.status_code} {r.text[:200]}")
		out = {"queries": queries, "lines": 50, "orders_listed": orders_listed}
		# Frappe's own portal page of the user (/me) as the reference: what any portal page costs here
		for label, path in (
			("order_page", f"/my-orders/{order}"),
			("my_orders", "/my-orders"),
			("frappe_me", "/me"),
		):
			times = []
			for i in range(requests_n + 10):
				t = time.perf_counter()
				r = session.get(base + path, timeout=30)
				elapsed = time.perf_counter() - t
				if r.status_code != 200 or (label == "order_page" and order not in r.text):
					raise SystemExit(f"portal {path}: HTTP {r.status_code} {r.text[:200]!r}")
				if i >= 10:  # the first requests warm the workers' caches
					times.append(elapsed)
			times.sort()
			out[label] = {
				"median_ms": statistics.median(times) * 1000,
				"p95_ms": times[int(len(times) * 0.95) - 1] * 1000,
				"requests": len(times),
			}
		return out
	finally:
		server.terminate()
		server.wait(timeout=30)


def promise(frappe, rounds: int) -> dict:
	"""Promise dates (issue 28): all lines of a 50-line quotation of the items with the most open Sales Order
	lines, in one call of the gather + rule (`order_mgmt.figures.promise`), against ERPNext's own per-line
	`get_bin_details` for the same lines (which answers a quantity, no date). Medians of `rounds`, caches warm;
	queries counted on one round. Nothing is written."""
	from erpnext.stock.get_item_details import get_bin_details

	from order_mgmt.figures import promise as figures

	company = frappe.db.get_single_value("Global Defaults", "default_company")
	warehouse = f"Stores - {frappe.get_cached_value('Company', company, 'abbr')}"
	soi, so = frappe.qb.DocType("Sales Order Item"), frappe.qb.DocType("Sales Order")
	count = frappe.query_builder.functions.Count("*")
	top = (
		frappe.qb.from_(soi)
		.join(so)
		.on(so.name == soi.parent)
		.select(soi.item_code, count)
		.where((so.docstatus == 1) & so.status.notin(["Closed", "Completed"]) & (soi.warehouse == warehouse))
		.groupby(soi.item_code)
		.orderby(count, order=frappe.qb.desc)
		.limit(10)
	).run()
	codes = [code for code, _n in top]
	today = frappe.utils.nowdate()
	lines = [
		{
			"key": f"L{i}",
			"idx": i + 1,
			"item_code": codes[i % len(codes)],
			"qty": 1 + i % 4,
			"warehouse": warehouse,
			"requested": frappe.utils.getdate(frappe.utils.add_days(today, 7 + i % 20)),
		}
		for i in range(50)
	]

	def ours():
		return figures.promise([dict(d) for d in lines], company)

	def erpnext():
		for d in lines:
			get_bin_details(d["item_code"], warehouse, company)

	out = {"lines": 50, "items": len(codes), "open_lines_per_item": [n for _c, n in top]}
	for label, fn in (("ours", ours), ("erpnext", erpnext)):
		fn()  # warm
		counter = QueryCounter(frappe)
		fn()
		queries = counter.take()
		frappe.db.sql = counter._sql
		times = []
		for _ in range(rounds):
			t = time.perf_counter()
			fn()
			times.append(time.perf_counter() - t)
		times.sort()
		out[label] = {
			"median_ms": statistics.median(times) * 1000,
			"p95_ms": times[max(int(len(times) * 0.95) - 1, 0)] * 1000,
			"queries": queries,
		}
	kinds = {}
	for p in ours().values():
		kinds[p.kind] = kinds.get(p.kind, 0) + 1
	out["kinds"] = kinds
	frappe.db.rollback()
	return out


# --- the run --------------------------------------------------------------------------------------------


def seed(frappe, site: str, orders: int) -> dict:
	from benchmarks import seed as seeding

	marker = os.path.join(site, "order_mgmt.bench-seed.json")
	if os.path.exists(marker):
		info = json.load(open(marker))
		print(f"Dataset: reusing the seeded site ({info['orders']:,} orders, {info['lines']:,} lines)")
		return info
	print(f"Seeding {site}: {orders:,} orders x {seeding.LINES_PER_ORDER} lines")
	started = time.monotonic()
	prototypes = seeding.make_prototypes(os.path.join(site, "order_mgmt.bench-prototypes.json"))
	copied = seeding.copy_all(prototypes, orders)
	check = seeding.check_sample(prototypes)
	print(
		f"  check: {check['matched']} of {check['checked']} sampled copies recompute through the normal path "
		"to exactly what the normal flows made for their prototype"
		+ ("" if check["matched"] == check["checked"] else " — MISMATCH")
	)
	for proto, copy, expected, got in check["mismatches"]:
		print(f"    {copy} vs {proto}:\n      expected {expected}\n      got      {got}")
	# bring the copies' stored texts (which name their own documents) up to date: the baseline run
	from order_mgmt.figures import runs

	t = time.monotonic()
	runs.recompute_open_orders(commit=True)
	print(f"  baseline recompute of every open order: {time.monotonic() - t:.1f} s")
	counts = seeding.open_counts()
	info = {
		"orders": counts["orders"],
		"lines": counts["lines"],
		"by_status": counts["by_status"],
		"prototypes": sum(map(len, prototypes.values())),
		"copies": copied["copies"],
		"rows_copied": copied["rows"],
		"check": {"checked": check["checked"], "matched": check["matched"]},
		"seed_seconds": time.monotonic() - started,
	}
	if check["matched"] != check["checked"]:
		raise SystemExit("the bulk copies do not match what the normal flows make: the dataset is not used")
	json.dump(info, open(marker, "w"), indent=1)
	return info


def main():
	ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
	ap.add_argument("--site", required=True)
	ap.add_argument("--lines", type=int, default=100_000)
	ap.add_argument("--quick", action="store_true", help="5,000 lines: a few minutes")
	ap.add_argument(
		"--json", default=None, help="where to write the figures (default benchmarks/results-<lines>.json)"
	)
	ap.add_argument("--only", default=",".join(PARTS), help="comma-separated parts: " + ",".join(PARTS))
	ap.add_argument("--rounds", type=int, default=None, help="order entry / hook rounds")
	ap.add_argument("--child", nargs="*", help=argparse.SUPPRESS)
	args = ap.parse_args()

	if args.child:
		kind, *rest_args = args.child
		if kind == "recompute":
			child_recompute(args.site, float(rest_args[0]), rest_args[1])
		elif kind == "peer":
			child_peer(args.site, float(rest_args[0]))
		elif kind == "night":
			child_night(args.site, float(rest_args[0]))
		elif kind == "full_run":
			child_full_run(args.site, rest_args[0])
		elif kind == "full_workers":
			child_full_workers(args.site, int(rest_args[0]), rest_args[1])
		return

	parts = set(args.only.split(","))
	frappe = connect(args.site)
	from benchmarks import seed as seeding

	info = seed(frappe, args.site, (args.lines // seeding.LINES_PER_ORDER))
	results = {
		"site": args.site,
		"date": time.strftime("%Y-%m-%d %H:%M"),
		"machine": f"{platform.machine()}, {os.cpu_count()} cores, {_mem_gb()} GB, Python {platform.python_version()}",
		"dataset": info,
		"targets": TARGETS,
	}
	quick = info["lines"] < 20_000
	# the read-only parts first, on a database at rest (the writing parts leave MariaDB purging for a while)
	if "reports" in parts:
		results["reports"] = reports(frappe)
		for name, r in results["reports"].items():
			_say(
				f"report {name:<30}: {r['seconds']:.2f} s ({r['rows']:,} rows; first after a cache clear "
				f"{r['cold_seconds']:.2f} s)"
			)
	if "rest" in parts:
		results["rest"] = rest(frappe, args.site, 100 if quick else 300)
		for name, r in results["rest"].items():
			_say(f"REST {name:<16}: median {r['median_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms")

	if "night" in parts:
		r = run_child(args.site, "night", 0.01)
		results["night"] = r
		_say(
			f"normal night: {r['touched']:,} of {r['open_orders']:,} open orders touched → {r['orders']:,} orders / "
			f"{r['lines']:,} lines recomputed in {r['seconds']:.2f} s, {r['queries']} queries, peak {r['peak_memory_mb']:.0f} MB"
		)
	if "full" in parts:
		results["full_run"] = {}
		for mode in ("unchanged", "changed"):
			r = run_child(args.site, "full_run", mode)
			results["full_run"][mode] = r
			_say(
				f"full run {mode:<9}: {r['lines']:>7,} lines in {r['seconds']:.2f} s = {r['lines_per_s']:>8,.0f} lines/s, "
				f"{r['queries_per_batch']:.1f} queries/batch, peak {r['peak_memory_mb']:.0f} MB"
			)
	if "workers" in parts:
		results["full_workers"] = {}
		for workers, mode in ((1, "unchanged"), (2, "unchanged"), (2, "changed")):
			r = run_child(args.site, "full_workers", workers, mode)
			results["full_workers"][f"{workers}/{mode}"] = r
			_say(
				f"full run on {workers} RQ worker(s), {mode}: {r['lines']:>7,} lines in {r['seconds']:.2f} s = "
				f"{r['lines_per_s']:>8,.0f} lines/s, {r['batches_done']}/{r['batches']} batches, jobs per worker "
				f"{r['jobs_per_worker']}"
			)
	if "portal" in parts:
		results["portal"] = portal(frappe, args.site, 50 if quick else 200)
		p = results["portal"]
		_say(
			f"portal order page (50 lines): median {p['order_page']['median_ms']:.1f} ms, p95 "
			f"{p['order_page']['p95_ms']:.1f} ms, {p['queries']} queries; My Orders ({p['orders_listed']} "
			f"orders): median {p['my_orders']['median_ms']:.1f} ms"
		)

	if "promise" in parts:
		results["promise"] = promise(frappe, 10 if quick else 30)
		x = results["promise"]
		_say(
			f"promise of a 50-line quotation: median {x['ours']['median_ms']:.0f} ms ({x['ours']['queries']} queries) "
			f"vs ERPNext's get_bin_details per line {x['erpnext']['median_ms']:.0f} ms ({x['erpnext']['queries']} "
			f"queries); open lines per item {x['open_lines_per_item']}"
		)
	if "recompute" in parts:
		results["recompute"] = {}
		for fraction in (0.1, 0.5, 1.0):
			for mode in ("unchanged", "changed"):
				r = run_child(args.site, "recompute", fraction, mode)
				results["recompute"][f"{int(fraction * 100)}%/{mode}"] = r
				_say(
					f"recompute {int(fraction * 100):>3}% {mode:<9}: {r['lines']:>7,} lines in {r['seconds']:.2f} s "
					f"= {r['lines_per_s']:>8,.0f} lines/s, queries per batch {r['queries_per_batch']}, "
					f"peak {r['peak_memory_mb']:.0f} MB"
				)
		# the unchanged run again, now that the changed run has written everything back
		r = run_child(args.site, "recompute", 1.0, "unchanged")
		results["recompute"]["100%/unchanged"] = r
		_say(f"recompute 100% unchanged (again): {r['lines_per_s']:,.0f} lines/s")
	if "peer" in parts:
		fraction = 1.0 if quick else 0.1
		peer = run_child(args.site, "peer", fraction)
		ours = results.get("recompute", {}).get(f"{int(fraction * 100)}%/unchanged") or run_child(
			args.site, "recompute", fraction, "unchanged"
		)
		peer["fraction"] = fraction
		peer["ours_lines_per_s"] = ours["lines_per_s"]
		peer["ratio"] = ours["lines_per_s"] / peer["lines_per_s"]
		results["peer"] = peer
		_say(
			f"ERPNext per-document refresh: {peer['lines']:,} lines in {peer['seconds']:.1f} s = "
			f"{peer['lines_per_s']:,.0f} lines/s; ours on the same orders {ours['lines_per_s']:,.0f} → {peer['ratio']:.0f}x"
		)
	if parts & {"entry", "hooks"}:
		rounds = args.rounds or (6 if quick else 12)
		eh = entry_and_hooks(frappe, rounds, parts)
		results["entry_and_hooks"] = eh
		for key, r in eh.items():
			_say(
				f"{key:<14}: order {r['order_ms']:.0f} ms vs plain {r['plain_ms']:.0f} ms → {r['ratio']:.2f}x"
			)
	path = args.json or os.path.join(HERE, f"results-{info['lines']}.json")
	json.dump(results, open(path, "w"), indent=1, default=str)
	print()
	print(table(results))
	print(f"\nJSON: {path}")


def _mem_gb():
	try:
		return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30)
	except (ValueError, OSError):
		return "?"


def _say(text):
	print("  " + text, flush=True)


def table(r: dict) -> str:
	"""The summary as a Markdown table (the README's benchmark section shows it)."""
	t = r["targets"]
	rows = [("Measure", "Result", "Target", "")]

	def add(label, value, target, ok):
		rows.append((label, value, target, ("✓" if ok else "✗") if target else ""))

	if "night" in r:
		x = r["night"]
		limit = t["night_s_per_100k_lines"] * max(r["dataset"]["lines"], 100_000) / 100_000
		add(
			f"Normal night, incremental run ({x['touched']:,} of {x['open_orders']:,} open orders touched)",
			f"{x['seconds']:.2f} s; {x['orders']:,} orders / {x['lines']:,} lines; {x['queries']} queries; "
			f"{x['peak_memory_mb']:.0f} MB",
			f"≤ {limit:g} s",
			x["seconds"] <= limit,
		)
	for mode, x in r.get("full_run", {}).items():
		target = t["recompute_unchanged_lps"] if mode == "unchanged" else t["recompute_changed_lps"]
		add(
			f"Full run (--full, run log, one worker), {mode} ({x['lines']:,} lines)",
			f"{x['lines_per_s']:,.0f} lines/s; {x['queries_per_batch']:.1f} queries/batch; {x['peak_memory_mb']:.0f} MB",
			f"≥ {target:,} lines/s, ≤ {t['peak_memory_mb']} MB",
			x["lines_per_s"] >= target and x["peak_memory_mb"] <= t["peak_memory_mb"],
		)
	for key, x in r.get("full_workers", {}).items():
		workers, _slash, mode = key.partition("/")
		mode = mode or "unchanged"
		target = t["recompute_unchanged_lps"] if mode == "unchanged" else t["recompute_changed_lps"]
		add(
			f"Full run on {workers} RQ worker(s) of the long queue, {mode} ({x['lines']:,} lines)",
			f"{x['lines_per_s']:,.0f} lines/s; {x['batches_done']}/{x['batches']} batches; jobs per worker "
			f"{', '.join(map(str, x['jobs_per_worker']))}",
			f"≥ {target:,} lines/s",
			x["lines_per_s"] >= target,
		)
	rec = r.get("recompute", {})
	for key in (
		"10%/unchanged",
		"50%/unchanged",
		"100%/unchanged",
		"10%/changed",
		"50%/changed",
		"100%/changed",
	):
		if key in rec:
			x = rec[key]
			target = t["recompute_unchanged_lps"] if key.endswith("unchanged") else t["recompute_changed_lps"]
			add(
				f"Nightly recompute, {key.replace('/', ', ')} ({x['lines']:,} lines)",
				f"{x['lines_per_s']:,.0f} lines/s; {x['queries_per_batch'][0]}-{x['queries_per_batch'][1]} queries/batch; {x['peak_memory_mb']:.0f} MB",
				f"≥ {target:,} lines/s, ≤ {t['peak_memory_mb']} MB" if key.startswith("100") else "",
				x["lines_per_s"] >= target and x["peak_memory_mb"] <= t["peak_memory_mb"]
				if key.startswith("100")
				else True,
			)
	if "peer" in r:
		p = r["peer"]
		add(
			f"ERPNext get_doc + set_status per Sales Order ({p['lines']:,} lines)",
			f"{p['lines_per_s']:,.0f} lines/s; ours {p['ours_lines_per_s']:,.0f} → {p['ratio']:.0f}x",
			f"≥ {t['peer_ratio']}x",
			p["ratio"] >= t["peer_ratio"],
		)
	for key, label in (
		("entry", "Order entry: 10-line order created + confirmed vs Sales Order"),
		("entry_200", "Order entry: 200-line order created + confirmed vs Sales Order"),
		("delivery_note", "Delivery Note submit: order's SO vs plain SO"),
		("sales_invoice", "Sales Invoice submit: order's SO vs plain SO"),
		("payment_entry", "Payment Entry submit: order's SO vs plain SO"),
	):
		x = r.get("entry_and_hooks", {}).get(key)
		if x:
			limit = t["entry_ratio"] if key.startswith("entry") else 1 + t["hook_overhead_pct"] / 100
			add(
				label,
				f"{x['order_ms']:.0f} ms vs {x['plain_ms']:.0f} ms = {x['ratio']:.2f}x",
				f"≤ {limit:.2f}x",
				x["ratio"] <= limit,
			)
	for name, x in r.get("reports", {}).items():
		limit = t["report_s"] if r["dataset"]["lines"] <= 100_000 else t.get("report_s_500k", 3.0)
		add(
			f"Report {name} ({x['rows']:,} rows)",
			f"{x['seconds']:.2f} s"
			+ (f" (first after a cache clear {x['cold_seconds']:.2f} s)" if "cold_seconds" in x else ""),
			f"≤ {limit:g} s",
			x["seconds"] <= limit,
		)
	for name, x in r.get("rest", {}).items():
		add(
			f"REST {name.replace('_', ' ')}",
			f"median {x['median_ms']:.0f} ms, p95 {x['p95_ms']:.0f} ms",
			f"p95 ≤ {t['rest_p95_ms']} ms",
			x["p95_ms"] <= t["rest_p95_ms"],
		)
	if "portal" in r:
		x = r["portal"]
		add(
			f"Portal: order page of a 50-line order ({x['queries']} queries)",
			f"median {x['order_page']['median_ms']:.0f} ms, p95 {x['order_page']['p95_ms']:.0f} ms",
			f"p95 ≤ {t['portal_page_ms']} ms",
			x["order_page"]["p95_ms"] <= t["portal_page_ms"],
		)
		add(
			f"Portal: My Orders (first page of {x['orders_listed']:,} orders)",
			f"median {x['my_orders']['median_ms']:.0f} ms, p95 {x['my_orders']['p95_ms']:.0f} ms",
			"",
			True,
		)
		if "frappe_me" in x:
			add(
				"Portal: Frappe's own /me page (reference)",
				f"median {x['frappe_me']['median_ms']:.0f} ms, p95 {x['frappe_me']['p95_ms']:.0f} ms",
				"",
				True,
			)
	if "promise" in r:
		x = r["promise"]
		add(
			f"Promise dates of a 50-line quotation ({x['items']} items, up to {max(x['open_lines_per_item'] or [0]):,} open lines each)",
			f"median {x['ours']['median_ms']:.0f} ms, p95 {x['ours']['p95_ms']:.0f} ms, {x['ours']['queries']} queries; "
			f"ERPNext get_bin_details per line {x['erpnext']['median_ms']:.0f} ms, {x['erpnext']['queries']} queries",
			f"≤ {t.get('promise_ms', 300)} ms",
			x["ours"]["p95_ms"] <= t.get("promise_ms", 300),
		)
	head = (
		f"{r['dataset']['orders']:,} orders, {r['dataset']['lines']:,} lines; {r['machine']}; {r['date']}\n\n"
	)
	widths = [max(len(str(row[i])) for row in rows) for i in range(4)]
	lines = [
		"| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |" for row in rows
	]
	lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
	return head + "\n".join(lines)


if __name__ == "__main__":
	main()
