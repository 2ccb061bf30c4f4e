"""order_mgmt load run: run by `benchmarks/run --load` (see README, "Benchmarks", "The load run"), from the
bench's sites folder.

    benchmarks/run --load [--clients 8] [--seconds 45] [--workers 4] [--stock 40] [--items 40]
                          [--loads spread,scarce] [--max-orders 2000] [--json PATH]

One gunicorn (N workers) on loopback serves two sites of the bench; in the same run, for each load, N clients
over HTTP push orders for T seconds, first through the app on its site (order-mgmt-load.localhost), then
through plain ERPNext on a site of the same bench without the app (erpnext-load.localhost, stock
reservation on, negative stock off):

- the app:     POST /api/resource/Customer Order, order_mgmt.api.customer_order.confirm,
               order_mgmt.api.stock.reserve
- ERPNext:     POST /api/resource/Sales Order with docstatus 1, then the Sales Order's own
               create_stock_reservation_entries (POST /api/resource/Sales Order/<name>, run_method)

Loads: **spread** — each order one of 40 items (qty 1-5, ample stock: little contention); **scarce** — every
order the same item with 40 units in stock. Every run gets fresh items, so earlier runs' orders and
reservations never touch them. Afterwards, connected to each site: HTTP 5xx, units oversold (submitted
reservation entries beyond the stock), drift (the Bin's Reserved Stock minus its entries' sum), reserve
answers that claimed what was not made, lines whose reserved quantity differs from their entries, and the
Bin's reserved (ordered) quantity against its Sales Orders. ERPNext's failures are reported as the app's are.
The load average (1 min) is noted before and after each flow: the machine is shared. Prints tables and
writes JSON (default benchmarks/results-load.json).
"""

import argparse
import json
import os
import platform
import random
import socket
import subprocess
import threading
import time

import requests
from bench import gunicorn

HERE = os.path.dirname(os.path.abspath(__file__))
APP = os.path.dirname(HERE)
USER = "load.client@example.com"
ROLES = {"app": ("Order User", "Stock User", "Sales User"), "erpnext": ("Stock User", "Sales User")}
ROLES["app-submit"] = ROLES["app"]
CUSTOMER = "Load Run Customer"
LOADS = ("spread", "scarce")
#: app-submit: the app's order sent confirmed (`docstatus: 1`, as ERPNext's flow sends its Sales Order), then
#: reserved: one request less (not in the default run: `--flows app,app-submit,erpnext`)
FLOWS = ("app", "erpnext")
ENDPOINTS = {
	"app": {
		"create": "/api/resource/Customer%20Order",
		"confirm": "/api/method/order_mgmt.api.customer_order.confirm",
		"reserve": "/api/method/order_mgmt.api.stock.reserve",
	},
	"app-submit": {
		"create": "/api/resource/Customer%20Order",
		"reserve": "/api/method/order_mgmt.api.stock.reserve",
	},
	"erpnext": {
		"create": "/api/resource/Sales%20Order",
		"reserve": "/api/resource/Sales%20Order/{name}",
	},
}
#: ERPNext answers a reservation it could not make with 200 and this message (its "nothing reserved")
NOT_AVAILABLE = "not available to reserve"
#: the app's refusal when nothing is free (417)
NOTHING_FREE = "Nothing could be reserved"


def is_app(flow: str) -> bool:
	return flow.startswith("app")


def _say(text):
	print("  " + text, flush=True)


def loadavg() -> float:
	return os.getloadavg()[0]


#: MariaDB's server-wide counters read around each flow (the whole server: other sites' work counts too)
SERVER_COUNTERS = (
	"Innodb_row_lock_waits",
	"Innodb_row_lock_time",
	"Innodb_deadlocks",
	"Questions",
	"Com_commit",
)


def server_counters(db: dict) -> dict:
	import pymysql

	conn = pymysql.connect(**db)
	try:
		with conn.cursor() as cur:
			cur.execute(
				"show global status where Variable_name in ({})".format(
					", ".join(["%s"] * len(SERVER_COUNTERS))
				),
				SERVER_COUNTERS,
			)
			return {k: int(v) for k, v in cur.fetchall()}
	finally:
		conn.close()


# --- the sites' masters ----------------------------------------------------------------------------------


class on_site:
	"""Connected to one site of the bench as Administrator for the block (one site at a time per process)."""

	def __init__(self, site):
		self.site = site

	def __enter__(self):
		import frappe

		frappe.init(site=self.site, sites_path=".")
		frappe.connect()
		frappe.set_user("Administrator")
		return frappe

	def __exit__(self, *exc):
		import frappe

		frappe.db.rollback()
		frappe.destroy()


def _leaf(frappe, doctype):
	return frappe.db.get_value(doctype, {"is_group": 0}, "name", order_by="creation")


def setup(frappe, flow: str, stock: float, n_items: int, stamp: str) -> dict:
	"""Masters once (settings, customer, user and its API key), and this run's own items: `n_items` of ample
	stock for the spread load and one scarce item with `stock` units, received through one Stock Entry."""
	from frappe.core.doctype.user.user import generate_keys
	from frappe.utils import add_days, nowdate

	company = (
		frappe.db.get_single_value("Global Defaults", "default_company")
		or frappe.get_all("Company", pluck="name", limit=1)[0]
	)
	warehouse = frappe.db.get_value(
		"Warehouse", {"company": company, "is_group": 0, "warehouse_name": "Stores"}, "name"
	) or frappe.db.get_value("Warehouse", {"company": company, "is_group": 0}, "name", order_by="creation")
	settings = frappe.get_single("Stock Settings")
	if (
		not (settings.enable_stock_reservation and settings.allow_partial_reservation)
		or settings.allow_negative_stock
	):
		settings.enable_stock_reservation = settings.allow_partial_reservation = 1
		settings.allow_negative_stock = 0
		settings.save()
	if not frappe.db.exists("Customer", CUSTOMER):
		frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": CUSTOMER,
				"customer_group": _leaf(frappe, "Customer Group"),
				"territory": _leaf(frappe, "Territory"),
			}
		).insert()
	if not frappe.db.exists("User", USER):
		user = frappe.get_doc(
			{
				"doctype": "User",
				"email": USER,
				"first_name": "Load",
				"last_name": "Client",
				"send_welcome_email": 0,
			}
		).insert(ignore_permissions=True)
		user.add_roles(*ROLES[flow])
	secret = generate_keys(USER)["api_secret"]
	_series_rows(frappe, flow)
	key = frappe.db.get_value("User", USER, "api_key")

	item_group = _leaf(frappe, "Item Group")
	scarce = f"LOAD-{stamp}"
	spread = [f"LOAD-{stamp}-{i:02d}" for i in range(1, n_items + 1)]
	for item in [scarce, *spread]:
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": item,
				"item_name": f"Item of the load run {item[5:]}",
				"item_group": item_group,
				"stock_uom": "Nos",
				"is_stock_item": 1,
				"is_sales_item": 1,
				"valuation_rate": 50,
				"item_defaults": [{"company": company, "default_warehouse": warehouse}],
			}
		).insert()
		frappe.get_doc(
			{
				"doctype": "Item Price",
				"item_code": item,
				"price_list": "Standard Selling",
				"price_list_rate": 100,
				"valid_from": add_days(nowdate(), -1),
			}
		).insert()
	se = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Material Receipt",
			"company": company,
			"items": [{"item_code": scarce, "qty": stock, "basic_rate": 50, "t_warehouse": warehouse}]
			+ [{"item_code": i, "qty": 100_000, "basic_rate": 50, "t_warehouse": warehouse} for i in spread],
		}
	).insert()
	se.submit()
	frappe.db.commit()
	return {
		"company": company,
		"warehouse": warehouse,
		"db": {
			"host": frappe.conf.db_host or "127.0.0.1",
			"port": int(frappe.conf.db_port or 3306),
			"user": frappe.conf.db_user or frappe.conf.db_name,
			"password": frappe.conf.db_password,
		},
		"items": {"scarce": [scarce], "spread": spread},
		"stock": stock,
		"key": key,
		"secret": secret,
		"today": nowdate(),
		"delivery": add_days(nowdate(), 14),
	}


def _series_rows(frappe, flow):
	"""The naming series' counters of this year exist before the clients start: Frappe makes a missing one
	on first use, and two requests making it at once deadlock (a first-run artefact, not the app's)."""
	from frappe.model.naming import parse_naming_series

	doctypes = ("Sales Order", "Stock Reservation Entry")
	if is_app(flow):
		doctypes = ("Customer Order", *doctypes)
	for doctype in doctypes:
		meta = frappe.get_meta(doctype)
		field = meta.get_field("naming_series")
		series = (field.options or "").split("\n")[0] if field else (meta.autoname or "")
		series = series.removeprefix("naming_series:").split(".#")[0]
		if series:
			key = parse_naming_series(series)
			frappe.db.sql("insert ignore into `tabSeries` (`name`, `current`) values (%s, 0)", key)


# --- the server ----------------------------------------------------------------------------------------


def free_port() -> int:
	with socket.socket() as s:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]


def start_server(sites, port: int, workers: int, log_path: str):
	log = open(log_path, "w")
	server = gunicorn(port, workers, out=log)
	for site in sites:
		for _ in range(200):
			try:
				if requests.get(
					f"http://127.0.0.1:{port}/api/method/ping", headers={"Host": site}, timeout=5
				).ok:
					break
			except requests.RequestException:
				pass
			if server.poll() is not None:
				raise SystemExit(f"gunicorn exited ({server.returncode}); see {log_path}")
			time.sleep(0.3)
		else:
			server.terminate()
			raise SystemExit(f"gunicorn did not answer for {site} on port {port}; see {log_path}")
	return server


# --- the clients ---------------------------------------------------------------------------------------


def order_body(flow: str, ctx: dict, items: list, rng) -> dict:
	"""One order of one line (an item of `items`, qty 1-5): a Customer Order's body, or a Sales Order's
	submitted on insert."""
	item = rng.choice(items)
	line = {"item_code": item, "qty": rng.randint(1, 5), "warehouse": ctx["warehouse"]}
	if is_app(flow):
		body = {
			"customer": CUSTOMER,
			"company": ctx["company"],
			"order_date": ctx["today"],
			"delivery_date": ctx["delivery"],
			"set_warehouse": ctx["warehouse"],
			"items": [line],
		}
		if flow == "app-submit":
			body["docstatus"] = 1
		return body
	return {
		"customer": CUSTOMER,
		"company": ctx["company"],
		"transaction_date": ctx["today"],
		"delivery_date": ctx["delivery"],
		"set_warehouse": ctx["warehouse"],
		"items": [{**line, "delivery_date": ctx["delivery"]}],
		"docstatus": 1,
	}


class Run:
	"""One flow (the app's or ERPNext's) under one load (spread or scarce) on its site."""

	def __init__(self, args, flow, load, ctx, base, site):
		self.args, self.flow, self.load, self.ctx, self.base = args, flow, load, ctx, base
		self.items = ctx["items"][load]
		self.headers = {
			"Authorization": f"token {ctx['key']}:{ctx['secret']}",
			"Host": site,
			"Accept": "application/json",
		}
		self.lock = threading.Lock()
		self.tickets = 0
		self.calls = []  # (endpoint, seconds, status, exc_type)
		self.errors = []  # 5xx and unexpected answers: (endpoint, status, exc_type, excerpt)
		self.orders = []  # (order, confirmed, claimed a reservation)
		self.claims = {}  # line name -> qty the answer claimed (the app); order -> 1 (ERPNext: no quantity)

	def take_ticket(self) -> bool:
		with self.lock:
			if self.tickets >= self.args.max_orders or time.monotonic() >= self.deadline:
				return False
			self.tickets += 1
			return True

	def call(self, session, endpoint, body, name=None):
		url = self.base + ENDPOINTS[self.flow][endpoint].format(name=name)
		t = time.perf_counter()
		try:
			resp = session.post(url, json=body, headers=self.headers, timeout=180)
			status, text = resp.status_code, resp.text
		except requests.RequestException as e:
			status, text = 0, repr(e)
		elapsed = time.perf_counter() - t
		try:
			data = json.loads(text)
		except ValueError:
			data = {}
		if not isinstance(data, dict):
			data = {}
		exc_type = data.get("exc_type")
		self.calls.append((endpoint, elapsed, status, exc_type))
		if status >= 400 or status == 0:
			excerpt = _excerpt(data, text)
			# the app's "nothing free" (nothing reserved: every free unit is taken) is an answer, not an error
			if not (is_app(self.flow) and endpoint == "reserve" and status == 417 and NOTHING_FREE in text):
				self.errors.append((endpoint, status, exc_type, excerpt))
		return status, data

	def client(self, i):
		rng = random.Random(1000 + i)
		session = requests.Session()
		while self.take_ticket():
			status, data = self.call(session, "create", order_body(self.flow, self.ctx, self.items, rng))
			if status != 200:
				continue
			name = data["data"]["name"]
			if is_app(self.flow):
				if self.flow == "app":
					status, _data = self.call(session, "confirm", {"name": name})
					if status != 200:
						self.orders.append((name, False, False))
						continue
				status, data = self.call(session, "reserve", {"name": name})
				answer = data.get("message") if status == 200 else None
				self.orders.append((name, True, bool(answer)))
				if answer:
					with self.lock:
						for line, q in (answer.get("reserved") or {}).items():
							self.claims[line] = self.claims.get(line, 0.0) + float(q)
			else:
				status, data = self.call(
					session, "reserve", {"run_method": "create_stock_reservation_entries"}, name
				)
				said = str(data.get("_server_messages") or "")
				claimed = status == 200 and NOT_AVAILABLE not in said
				self.orders.append((name, True, claimed))
				if claimed:
					with self.lock:
						self.claims[name] = 1.0

	def go(self):
		counters = server_counters(self.ctx["db"])
		self.load_before = loadavg()
		self.start = time.monotonic()
		self.deadline = self.start + self.args.seconds
		threads = [threading.Thread(target=self.client, args=(i,)) for i in range(self.args.clients)]
		for t in threads:
			t.start()
		for t in threads:
			t.join()
		self.elapsed = time.monotonic() - self.start
		self.load_after = loadavg()
		after = server_counters(self.ctx["db"])
		self.server = {k: after.get(k, 0) - counters.get(k, 0) for k in SERVER_COUNTERS}


def _excerpt(data, text) -> str:
	if isinstance(data, dict):
		exc = data.get("exc") or data.get("exception") or ""
		if exc:
			try:
				exc = json.loads(exc)[0] if exc.startswith("[") else exc
			except ValueError:
				pass
			return exc.strip().splitlines()[-1][:300]
		if data.get("_server_messages"):
			return str(data["_server_messages"])[:300]
	return text[:300]


# --- what the database says afterwards -------------------------------------------------------------------


def check(frappe, ctx, run: Run, since: str) -> dict:
	"""The exactness checks of one flow's items, on a fresh snapshot of its site."""
	frappe.db.rollback()  # a fresh snapshot: everything the server committed
	from erpnext.stock.stock_balance import get_reserved_qty

	wh = ctx["warehouse"]
	per_item = []
	for item in run.items:
		entries = frappe.db.sql(
			"""select coalesce(sum(reserved_qty - delivered_qty), 0), count(*) from `tabStock Reservation Entry`
			where docstatus = 1 and item_code = %s and warehouse = %s and status not in ('Delivered', 'Cancelled')""",
			(item, wh),
		)[0]
		b = frappe.db.get_value(
			"Bin", {"item_code": item, "warehouse": wh}, ["actual_qty", "reserved_stock", "reserved_qty"]
		) or (0, 0, 0)
		per_item.append(
			{
				"item": item,
				"entries_sum": float(entries[0]),
				"entries": int(entries[1]),
				"actual": float(b[0] or 0),
				"reserved_stock": float(b[1] or 0),
				"ordered": float(b[2] or 0),
				"ordered_right": float(get_reserved_qty(item, wh) or 0),
			}
		)
	if is_app(run.flow):
		lines = frappe.db.sql(
			"""select coi.name, coi.qty, coi.reserved_qty as line_reserved,
				(select coalesce(sum(sre.reserved_qty - sre.delivered_qty), 0) from `tabStock Reservation Entry` sre
				 where sre.voucher_detail_no = coi.so_detail and sre.docstatus = 1) as made
			from `tabCustomer Order Item` coi where coi.item_code in %s and coi.docstatus = 1""",
			[run.items],
			as_dict=True,
		)
		claimed_missing = [
			(r.name, run.claims[r.name], float(r.made))
			for r in lines
			if r.name in run.claims and float(r.made) < run.claims[r.name] - 1e-9
		]
		made_unclaimed = [r.name for r in lines if float(r.made) > run.claims.get(r.name, 0.0) + 1e-9]
	else:
		lines = frappe.db.sql(
			"""select soi.name, soi.parent, soi.stock_qty as qty, soi.stock_reserved_qty as line_reserved,
				(select coalesce(sum(sre.reserved_qty - sre.delivered_qty), 0) from `tabStock Reservation Entry` sre
				 where sre.voucher_detail_no = soi.name and sre.docstatus = 1) as made
			from `tabSales Order Item` soi where soi.item_code in %s and soi.docstatus = 1""",
			[run.items],
			as_dict=True,
		)
		# ERPNext's answer carries no quantity: an answer without "not available" claims a reservation
		claimed_missing = [(r.parent, 1, 0.0) for r in lines if r.parent in run.claims and float(r.made) <= 0]
		made_unclaimed = [r.name for r in lines if float(r.made) > 0 and r.parent not in run.claims]
	over_reserved = [r.name for r in lines if float(r.made) > float(r.qty) + 1e-9]
	stale_lines = [r.name for r in lines if abs(float(r.line_reserved or 0) - float(r.made)) > 1e-9]
	error_log = frappe.db.sql(
		"""select method, error from `tabError Log` where creation >= %s order by creation""", since
	)
	entries_sum = sum(i["entries_sum"] for i in per_item)
	return {
		"items": len(per_item),
		"stock": sum(i["actual"] for i in per_item),
		"bin_reserved_stock": sum(i["reserved_stock"] for i in per_item),
		"entries_reserved": entries_sum,
		"entries": sum(i["entries"] for i in per_item),
		"oversold": sum(max(0.0, i["entries_sum"] - i["actual"]) for i in per_item),
		"drift": sum(i["reserved_stock"] - i["entries_sum"] for i in per_item),
		"drift_items": [i["item"] for i in per_item if abs(i["reserved_stock"] - i["entries_sum"]) > 1e-9],
		"bin_reserved_qty": sum(i["ordered"] for i in per_item),
		"sales_orders_reserved_qty": sum(i["ordered_right"] for i in per_item),
		"reserved_qty_drift": sum(i["ordered"] - i["ordered_right"] for i in per_item),
		"claimed_units": sum(run.claims.values()) if is_app(run.flow) else None,
		"claimed_but_missing": len(claimed_missing),
		"claimed_but_missing_units": sum(c - m for _n, c, m in claimed_missing) if is_app(run.flow) else None,
		"claimed_but_missing_lines": claimed_missing[:20],
		"made_but_unclaimed": len(made_unclaimed),
		"over_reserved_lines": len(over_reserved),
		"lines_reserved_qty_stale": len(stale_lines),
		"error_log": [
			{"method": m, "last_line": (e or "").strip().splitlines()[-1][:300] if e else ""}
			for m, e in error_log
		],
	}


def exact(c: dict, r: dict) -> bool:
	"""Every exactness check of one flow passed."""
	return not (
		r["5xx"]
		or c["oversold"] > 1e-9
		or abs(c["drift"]) > 1e-9
		or c["claimed_but_missing"]
		or c["over_reserved_lines"]
		or c["lines_reserved_qty_stale"]
		or abs(c["reserved_qty_drift"]) > 1e-9
	)


# --- figures ---------------------------------------------------------------------------------------------


def pct(values, p):
	if not values:
		return None
	values = sorted(values)
	return values[max(0, min(len(values) - 1, round(p / 100 * len(values) + 0.5) - 1))]


def endpoint_figures(run: Run) -> dict:
	out = {}
	for endpoint in ENDPOINTS[run.flow]:
		calls = [c for c in run.calls if c[0] == endpoint]
		times = [c[1] * 1000 for c in calls]
		statuses = {}
		for c in calls:
			label = f"{c[2]} {c[3]}" if c[3] else str(c[2])
			statuses[label] = statuses.get(label, 0) + 1
		out[endpoint] = {
			"requests": len(calls),
			"p50_ms": pct(times, 50),
			"p95_ms": pct(times, 95),
			"max_ms": max(times) if times else None,
			"statuses": statuses,
			"5xx": sum(1 for c in calls if c[2] >= 500 or c[2] == 0),
		}
	return out


def result(run: Run, check_: dict) -> dict:
	endpoints = endpoint_figures(run)
	confirmed = sum(1 for _n, ok, _a in run.orders if ok)
	reserve_4xx = sum(1 for c in run.calls if c[0] == "reserve" and 400 <= c[2] < 500)
	out = {
		"flow": run.flow,
		"load": run.load,
		"seconds": run.elapsed,
		"load_average": [round(run.load_before, 2), round(run.load_after, 2)],
		"server": run.server,
		"orders_created": sum(1 for c in run.calls if c[0] == "create" and c[2] == 200),
		"orders_confirmed": confirmed,
		"orders_per_s": confirmed / run.elapsed if run.elapsed else 0,
		"reserve_granted": sum(1 for _n, _ok, a in run.orders if a),
		"reserve_refused": (
			reserve_4xx if is_app(run.flow) else confirmed - sum(1 for o in run.orders if o[2])
		),
		"5xx": sum(e["5xx"] for e in endpoints.values()),
		"unexpected_4xx": sum(1 for e in run.errors if 400 <= e[1] < 500),
		"endpoints": endpoints,
		"errors": [
			{"endpoint": e[0], "status": e[1], "exc_type": e[2], "excerpt": e[3]} for e in run.errors[:50]
		],
		"check": check_,
	}
	out["exact"] = exact(check_, out)
	return out


LABELS = {"app": "the app", "app-submit": "the app, sent confirmed", "erpnext": "plain ERPNext"}


def table(results: dict) -> str:
	"""Per load: the flows side by side (the app's, ERPNext's)."""
	rows = []
	stock = "{:,.0f}".format
	for load, pair in results["loads"].items():
		flows = [f for f in (*LABELS,) if f in pair]
		rows.append((f"**{load}**", *(LABELS[f] for f in flows)))

		def each(label, fn, pair=pair, flows=flows):
			rows.append((label, *(fn(pair[f]) for f in flows)))

		each("Orders/s (confirmed / submitted)", lambda r: f"{r['orders_per_s']:.2f}")
		each(
			"Ratio to ERPNext",
			lambda r, pair=pair: (
				f"{pair['ratio' if r['flow'] == 'app' else 'ratio_submit']:.2f}x"
				if r["flow"] != "erpnext" and ("ratio" if r["flow"] == "app" else "ratio_submit") in pair
				else ""
			),
		)
		each(
			"Orders in s; load average before → after",
			lambda r: (
				f"{r['orders_confirmed']} in {r['seconds']:.0f} s; {r['load_average'][0]:.1f} → {r['load_average'][1]:.1f}"
			),
		)
		each("Reserve granted / not", lambda r: f"{r['reserve_granted']} / {r['reserve_refused']}")
		for endpoint in ("create", "confirm", "reserve"):
			each(
				f"{endpoint}: p50 / p95 ms",
				lambda r, ep=endpoint: (
					f"{r['endpoints'][ep]['p50_ms']:.0f} / {r['endpoints'][ep]['p95_ms']:.0f}"
					if ep in r["endpoints"] and r["endpoints"][ep]["requests"]
					else "-"
				),
			)
		each(
			"Row-lock waits (server-wide): n, s",
			lambda r: (
				f"{r['server']['Innodb_row_lock_waits']}, {r['server']['Innodb_row_lock_time'] / 1000:.1f} s"
			),
		)
		each("Deadlocks (server-wide)", lambda r: str(r["server"]["Innodb_deadlocks"]))
		each("HTTP 5xx / other 4xx", lambda r: f"{r['5xx']} / {r['unexpected_4xx']}")
		each(
			"Oversold units",
			lambda r: (
				f"{r['check']['oversold']:g} (stock {stock(r['check']['stock'])}, entries {r['check']['entries_reserved']:g})"
			),
		)
		each(
			"Drift: Bin reserved_stock - entries",
			lambda r: (
				f"{r['check']['drift']:g} ({r['check']['bin_reserved_stock']:g} vs {r['check']['entries_reserved']:g})"
			),
		)
		each("Reserve claimed but not made", lambda r: str(r["check"]["claimed_but_missing"]))
		each(
			"Lines reserved ≠ entries / over-reserved",
			lambda r: f"{r['check']['lines_reserved_qty_stale']} / {r['check']['over_reserved_lines']}",
		)
		each("Bin ordered qty - Sales Orders'", lambda r: f"{r['check']['reserved_qty_drift']:g}")
		each("Exact", lambda r: "yes" if r["exact"] else "**NO**")
	n = max(len(r) for r in rows)
	rows = [(*r, *([""] * (n - len(r)))) for r in rows]
	w = [max(len(r[i]) for r in rows) for i in range(n)]
	out = [
		"| " + " | ".join(f"{'Measure' if i == 0 else '':<{w[i]}}" for i in range(n)) + " |",
		"|" + "|".join("-" * (w[i] + 2) for i in range(n)) + "|",
	]
	out += ["| " + " | ".join(f"{r[i]:<{w[i]}}" for i in range(n)) + " |" for r in rows]
	return "\n".join(out)


def _revision() -> str:
	import order_mgmt

	code = os.path.dirname(os.path.dirname(os.path.realpath(order_mgmt.__file__)))
	if code != os.path.realpath(APP):
		return f"order_mgmt from {code}"
	try:
		head = subprocess.run(
			["git", "-C", APP, "log", "-1", "--format=%h"], capture_output=True, text=True, check=True
		).stdout.strip()
		dirty = subprocess.run(
			["git", "-C", APP, "status", "--porcelain", "--untracked-files=no"],
			capture_output=True,
			text=True,
		).stdout.strip()
		return head + (" (+ uncommitted changes)" if dirty else "")
	except (OSError, subprocess.CalledProcessError):
		return "?"


def main():
	ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
	ap.add_argument("--site", required=True, help="the app's site")
	ap.add_argument("--peer-site", required=True, help="a site of the bench with ERPNext and without the app")
	ap.add_argument("--clients", type=int, default=8)
	ap.add_argument("--seconds", type=float, default=45)
	ap.add_argument("--max-orders", type=int, default=2000, help="per flow and load")
	ap.add_argument("--workers", type=int, default=4, help="gunicorn workers")
	ap.add_argument("--stock", type=float, default=40, help="units of the scarce item")
	ap.add_argument("--items", type=int, default=40, help="items of the spread load")
	ap.add_argument("--loads", default=",".join(LOADS), help="spread,scarce")
	ap.add_argument("--flows", default=",".join(FLOWS), help="app,erpnext (and app-submit)")
	ap.add_argument("--json", default=os.path.join(HERE, "results-load.json"))
	args = ap.parse_args()
	loads = [x for x in args.loads.split(",") if x]
	flows = [x for x in args.flows.split(",") if x]
	sites = {"app": args.site, "app-submit": args.site, "erpnext": args.peer_site}

	stamp = time.strftime("%Y%m%d-%H%M%S")
	ctx, since, code = {}, {}, None
	for flow in flows:
		with on_site(sites[flow]) as frappe:
			if is_app(flow) and "order_mgmt" not in frappe.get_installed_apps():
				raise SystemExit(f"{sites[flow]}: order_mgmt is not installed")
			if flow == "erpnext" and "order_mgmt" in frappe.get_installed_apps():
				raise SystemExit(f"{sites[flow]}: the peer site must not have order_mgmt")
			ctx[flow] = setup(
				frappe, flow, args.stock, args.items, stamp + ("S" if flow == "app-submit" else "")
			)
			since[flow] = frappe.utils.now()
			if is_app(flow):
				code = _revision()
		# one API secret per user and site: the last one made holds for the site's earlier flows too
		for other in ctx:
			if sites[other] == sites[flow]:
				ctx[other]["secret"] = ctx[flow]["secret"]
		_say(
			f"{sites[flow]}: items LOAD-{stamp}(-01..{args.items:02d}); scarce {args.stock:g} units in "
			f"{ctx[flow]['warehouse']}; user {USER}"
		)
	port = free_port()
	log_path = os.path.abspath(os.path.join(args.site, "logs", "load-gunicorn.log"))
	server = start_server([sites[f] for f in flows], port, args.workers, log_path)
	_say(
		f"gunicorn on 127.0.0.1:{port}, {args.workers} workers; {args.clients} clients, {args.seconds:g} s per "
		f"flow and load"
	)
	runs = []
	try:
		for load in loads:
			for flow in flows:
				run = Run(args, flow, load, ctx[flow], f"http://127.0.0.1:{port}", sites[flow])
				run.go()
				confirmed = sum(1 for o in run.orders if o[1])
				_say(
					f"{load:>6} {flow:>7}: {confirmed} orders in {run.elapsed:.0f} s = "
					f"{confirmed / run.elapsed:.2f}/s (load average {run.load_before:.1f} → {run.load_after:.1f})"
				)
				runs.append(run)
	finally:
		server.terminate()
		server.wait(timeout=60)

	results = {
		"sites": sites,
		"date": time.strftime("%Y-%m-%d %H:%M"),
		"code": code,
		"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
		"config": {
			"clients": args.clients,
			"seconds": args.seconds,
			"max_orders": args.max_orders,
			"workers": args.workers,
			"stock": args.stock,
			"items": args.items,
			"stamp": stamp,
		},
		"loads": {load: {} for load in loads},
		"gunicorn_log": log_path,
	}
	for flow in flows:
		with on_site(sites[flow]) as frappe:
			for run in runs:
				if run.flow == flow:
					results["loads"][run.load][flow] = result(run, check(frappe, ctx[flow], run, since[flow]))
	for pair in results["loads"].values():
		peer = (pair.get("erpnext") or {}).get("orders_per_s")
		for flow, key in (("app", "ratio"), ("app-submit", "ratio_submit")):
			if pair.get(flow) and peer:
				pair[key] = pair[flow]["orders_per_s"] / peer
	with open(args.json, "w") as f:
		json.dump(results, f, indent=1, default=str)
	print()
	print(
		f"Load run: {args.clients} clients, {args.workers} gunicorn workers, {args.seconds:g} s per flow and "
		f"load; code {results['code']}; {results['date']}; {results['machine']}"
	)
	print(table(results))
	for run in runs:
		for e in run.errors[:5]:
			print(f"  {run.load} {run.flow}: {e[0]} HTTP {e[1]} {e[2] or ''}: {e[3]}")
	print(f"\nJSON: {args.json}")


if __name__ == "__main__":
	main()
