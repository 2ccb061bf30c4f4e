"""order_mgmt load run: run by `benchmarks/run --load` (see README, "Benchmarks"), from the bench's sites folder.

    benchmarks/run --load [--clients 8] [--seconds 60] [--max-orders 300] [--workers 4] [--stock 40]

On its own site (order-mgmt-load.localhost), N clients over HTTP on gunicorn on loopback each loop, for at
most T seconds and M orders in all: create a Customer Order of a scarce item (qty 1-5) through
`/api/resource`, confirm it, reserve it. Then, connected to the site: units oversold (submitted
reservation entries beyond the stock), drift (the Bin's `reserved_stock` minus its entries' sum; must be
0), and reserve answers that claimed a reservation ERPNext did not make. Every run gets a fresh item with
its own stock, so earlier runs' orders and reservations never touch it (they stay on the site, confirmed).
Prints a table and writes JSON (default benchmarks/results-load.json).
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
ROLES = ("Order User", "Stock User", "Sales User")
CUSTOMER = "Load Run Customer"
ENDPOINTS = {
	"create": "/api/resource/Customer%20Order",
	"confirm": "/api/method/order_mgmt.api.customer_order.confirm",
	"reserve": "/api/method/order_mgmt.api.stock.reserve",
}


def _say(text):
	print("  " + text, flush=True)


# --- the site's masters ----------------------------------------------------------------------------------


def connect(site):
	import frappe

	frappe.init(site=site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	return frappe


def _leaf(frappe, doctype):
	return frappe.db.get_value(doctype, {"is_group": 0}, "name", order_by="creation")


def setup(frappe, stock: float) -> dict:
	"""Masters once (settings, customer, user and its API key), and this run's own scarce item with `stock`
	units received into the stores through a Stock Entry."""
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
	if not (settings.enable_stock_reservation and settings.allow_partial_reservation):
		settings.enable_stock_reservation = settings.allow_partial_reservation = 1
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
		user.add_roles(*ROLES)
	secret = generate_keys(USER)["api_secret"]
	_series_rows(frappe)
	key = frappe.db.get_value("User", USER, "api_key")

	item = "LOAD-" + time.strftime("%Y%m%d-%H%M%S")
	frappe.get_doc(
		{
			"doctype": "Item",
			"item_code": item,
			"item_name": f"Scarce item of the load run {item[5:]}",
			"item_group": _leaf(frappe, "Item Group"),
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
			"items": [{"item_code": item, "qty": stock, "basic_rate": 50, "t_warehouse": warehouse}],
		}
	).insert()
	se.submit()
	frappe.db.commit()
	return {
		"company": company,
		"warehouse": warehouse,
		"item": item,
		"stock": stock,
		"key": key,
		"secret": secret,
		"today": nowdate(),
		"delivery": add_days(nowdate(), 14),
	}


def _series_rows(frappe):
	"""The naming series' counters of this year exist before the clients start: Frappe makes a missing one
	on first use, and two requests making it at once deadlock (a first-run artefact, not the app's)."""
	from frappe.model.naming import parse_naming_series

	for doctype in ("Customer Order", "Sales Order", "Stock Reservation Entry"):
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


def start_server(site: str, port: int, workers: int, log_path: str):
	log = open(log_path, "w")
	server = gunicorn(port, workers, out=log)
	for _ in range(200):
		try:
			if requests.get(f"http://127.0.0.1:{port}/api/method/ping", headers={"Host": site}, timeout=5).ok:
				return server
		except requests.RequestException:
			pass
		if server.poll() is not None:
			raise SystemExit(f"gunicorn exited ({server.returncode}); see {log_path}")
		time.sleep(0.3)
	server.terminate()
	raise SystemExit(f"gunicorn did not answer on port {port}; see {log_path}")


# --- the clients ---------------------------------------------------------------------------------------


class Run:
	def __init__(self, args, ctx, base, site):
		self.args, self.ctx, self.base = args, ctx, base
		self.headers = {
			"Authorization": f"token {ctx['key']}:{ctx['secret']}",
			"Host": site,
			"Accept": "application/json",
		}
		self.lock = threading.Lock()
		self.tickets = 0
		self.calls = []  # (endpoint, seconds, status, exc_type)
		self.errors = []  # 5xx and unexpected answers: (endpoint, status, excerpt)
		self.orders = []  # (order, confirmed, reserve answer or None)
		self.claims = {}  # Customer Order Item name -> qty the reserve answer claimed

	def take_ticket(self) -> bool:
		with self.lock:
			if self.tickets >= self.args.max_orders or time.monotonic() >= self.deadline:
				return False
			self.tickets += 1
			return True

	def call(self, session, endpoint, body):
		t = time.perf_counter()
		try:
			resp = session.post(self.base + ENDPOINTS[endpoint], json=body, headers=self.headers, timeout=180)
			status, text = resp.status_code, resp.text
		except requests.RequestException as e:
			status, text = 0, repr(e)
		elapsed = time.perf_counter() - t
		try:
			data = json.loads(text)
		except ValueError:
			data = {}
		exc_type = data.get("exc_type") if isinstance(data, dict) else None
		self.calls.append((endpoint, elapsed, status, exc_type))
		if status >= 500 or status == 0 or (status >= 400 and not (endpoint == "reserve" and status == 417)):
			self.errors.append((endpoint, status, exc_type, _excerpt(data, text)))
		return status, data

	def client(self, i):
		rng = random.Random(1000 + i)
		session = requests.Session()
		ctx = self.ctx
		while self.take_ticket():
			qty = rng.randint(1, 5)
			status, data = self.call(
				session,
				"create",
				{
					"customer": CUSTOMER,
					"company": ctx["company"],
					"order_date": ctx["today"],
					"delivery_date": ctx["delivery"],
					"set_warehouse": ctx["warehouse"],
					"items": [{"item_code": ctx["item"], "qty": qty, "warehouse": ctx["warehouse"]}],
				},
			)
			if status != 200:
				continue
			name = data["data"]["name"]
			status, _data = self.call(session, "confirm", {"name": name})
			if status != 200:
				self.orders.append((name, False, None))
				continue
			status, data = self.call(session, "reserve", {"name": name})
			answer = data.get("message") if status == 200 else None
			self.orders.append((name, True, answer))
			if answer:
				with self.lock:
					for line, q in (answer.get("reserved") or {}).items():
						self.claims[line] = self.claims.get(line, 0.0) + float(q)

	def go(self):
		self.start = time.monotonic()
		self.deadline = self.start + self.args.seconds
		threads = [threading.Thread(target=self.client, args=(i,)) for i in range(self.args.clients)]
		for t in threads:
			t.start()
		for t in threads:
			t.join()
		self.elapsed = time.monotonic() - self.start


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
	frappe.db.rollback()  # a fresh snapshot: everything the server committed
	item, wh = ctx["item"], ctx["warehouse"]
	entries = frappe.db.sql(
		"""select coalesce(sum(reserved_qty - delivered_qty), 0), count(*) from `tabStock Reservation Entry`
		where docstatus = 1 and item_code = %s and warehouse = %s and status not in ('Delivered', 'Cancelled')""",
		(item, wh),
	)[0]
	entries_sum, entries_n = float(entries[0]), int(entries[1])
	b = frappe.db.get_value(
		"Bin", {"item_code": item, "warehouse": wh}, ["actual_qty", "reserved_stock", "reserved_qty"]
	) or (0, 0, 0)
	actual, reserved_stock, ordered = float(b[0] or 0), float(b[1] or 0), float(b[2] or 0)
	from erpnext.stock.stock_balance import get_reserved_qty

	ordered_right = float(get_reserved_qty(item, wh) or 0)
	lines = frappe.db.sql(
		"""select coi.name, coi.qty, coi.reserved_qty,
			(select coalesce(sum(sre.reserved_qty - sre.delivered_qty), 0) from `tabStock Reservation Entry` sre
			 where sre.voucher_detail_no = coi.so_detail and sre.docstatus = 1) as made
		from `tabCustomer Order Item` coi where coi.item_code = %s and coi.docstatus = 1""",
		item,
		as_dict=True,
	)
	claimed_missing = [
		(r.name, run.claims[r.name], float(r.made))
		for r in lines
		if r.name in run.claims and float(r.made) < run.claims[r.name] - 1e-9
	]
	made_unclaimed = [r.name for r in lines if float(r.made) > run.claims.get(r.name, 0.0) + 1e-9]
	over_reserved = [r.name for r in lines if float(r.made) > float(r.qty) + 1e-9]
	stale_lines = [r.name for r in lines if abs(float(r.reserved_qty or 0) - float(r.made)) > 1e-9]
	error_log = frappe.db.sql(
		"""select method, error from `tabError Log` where creation >= %s order by creation""", since
	)
	return {
		"stock": actual,
		"bin_reserved_stock": reserved_stock,
		"entries_reserved": entries_sum,
		"entries": entries_n,
		"oversold": max(0.0, entries_sum - actual),
		"drift": reserved_stock - entries_sum,
		"bin_reserved_qty": ordered,
		"sales_orders_reserved_qty": ordered_right,
		"reserved_qty_drift": ordered - ordered_right,
		"claimed_units": sum(run.claims.values()),
		"claimed_but_missing": len(claimed_missing),
		"claimed_but_missing_units": sum(c - m for _n, c, m in claimed_missing),
		"claimed_but_missing_lines": claimed_missing[:20],
		"made_but_unclaimed": len(made_unclaimed),
		"over_reserved_lines": len(over_reserved),
		"lines_reserved_qty_stale": len(stale_lines),
		"error_log": [
			{"method": m, "last_line": (e or "").strip().splitlines()[-1][:300] if e else ""}
			for m, e in error_log
		],
	}


# --- figures ---------------------------------------------------------------------------------------------


def pct(values, p):
	if not values:
		return None
	values = sorted(values)
	return values[max(0, min(len(values) - 1, round(p / 100 * len(values) + 0.5) - 1))]


def figures(run: Run) -> dict:
	out = {}
	for endpoint in ENDPOINTS:
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


def table(r: dict) -> str:
	c, s = r["check"], r["endpoints"]
	rows = [
		(
			"Orders confirmed (created)",
			f"{r['orders_confirmed']} ({r['orders_created']}) in {r['seconds']:.0f} s",
		),
		("Orders/s (confirmed)", f"{r['orders_per_s']:.2f}"),
		(
			"Reserve granted / refused 4xx",
			f"{r['reserve_granted']} / {r['reserve_refused']} ({c['claimed_units']:g} units claimed)",
		),
	]
	for endpoint, e in s.items():
		if e["requests"]:
			rows.append(
				(
					f"{endpoint}: p50 / p95 / max",
					f"{e['p50_ms']:.0f} / {e['p95_ms']:.0f} / {e['max_ms']:.0f} ms ({e['requests']} requests)",
				)
			)
	rows += [
		("HTTP 5xx (or no answer)", str(r["5xx"])),
		("Other unexpected 4xx", str(r["unexpected_4xx"])),
		(
			"Oversold units",
			f"{c['oversold']:g} (stock {c['stock']:g}, entries hold {c['entries_reserved']:g})",
		),
		(
			"Drift: Bin reserved_stock - entries",
			f"{c['drift']:g} ({c['bin_reserved_stock']:g} vs {c['entries_reserved']:g})",
		),
		(
			"Reserve claimed but not made",
			f"{c['claimed_but_missing']} lines, {c['claimed_but_missing_units']:g} units",
		),
		(
			"Made but not claimed / over-reserved lines",
			f"{c['made_but_unclaimed']} / {c['over_reserved_lines']}",
		),
		("Lines whose reserved_qty ≠ entries", str(c["lines_reserved_qty_stale"])),
		(
			"Bin reserved_qty (ordered) - Sales Orders'",
			f"{c['reserved_qty_drift']:g} ({c['bin_reserved_qty']:g} vs {c['sales_orders_reserved_qty']:g})",
		),
	]
	w = max(len(a) for a, _b in rows)
	v = max(len(b) for _a, b in rows)
	out = [f"| {'Measure':<{w}} | {'Result':<{v}} |", f"|{'-' * (w + 2)}|{'-' * (v + 2)}|"]
	out += [f"| {a:<{w}} | {b:<{v}} |" for a, b in rows]
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
	ap.add_argument("--site", required=True)
	ap.add_argument("--clients", type=int, default=8)
	ap.add_argument("--seconds", type=float, default=60)
	ap.add_argument("--max-orders", type=int, default=300)
	ap.add_argument("--workers", type=int, default=4, help="gunicorn workers")
	ap.add_argument("--stock", type=float, default=40, help="units of the scarce item")
	ap.add_argument("--json", default=os.path.join(HERE, "results-load.json"))
	args = ap.parse_args()

	frappe = connect(args.site)
	ctx = setup(frappe, args.stock)
	since = frappe.utils.now()
	_say(f"item {ctx['item']}: {args.stock:g} units in {ctx['warehouse']}; user {USER}")
	port = free_port()
	log_path = os.path.abspath(os.path.join(args.site, "logs", "load-gunicorn.log"))
	server = start_server(args.site, port, args.workers, log_path)
	_say(
		f"gunicorn on 127.0.0.1:{port}, {args.workers} workers; {args.clients} clients for at most "
		f"{args.seconds:g} s and {args.max_orders} orders"
	)
	run = Run(args, ctx, f"http://127.0.0.1:{port}", args.site)
	try:
		run.go()
	finally:
		server.terminate()
		server.wait(timeout=60)
	endpoints = figures(run)
	confirmed = sum(1 for _n, ok, _a in run.orders if ok)
	results = {
		"site": args.site,
		"date": time.strftime("%Y-%m-%d %H:%M"),
		"code": _revision(),
		"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
		"config": {
			"clients": args.clients,
			"seconds": args.seconds,
			"max_orders": args.max_orders,
			"workers": args.workers,
			"stock": args.stock,
			"item": ctx["item"],
			"warehouse": ctx["warehouse"],
		},
		"seconds": run.elapsed,
		"orders_created": sum(1 for c in run.calls if c[0] == "create" and c[2] == 200),
		"orders_confirmed": confirmed,
		"orders_per_s": confirmed / run.elapsed if run.elapsed else 0,
		"reserve_granted": sum(1 for _n, _ok, a in run.orders if a),
		"reserve_refused": sum(1 for c in run.calls if c[0] == "reserve" and 400 <= c[2] < 500),
		"5xx": sum(e["5xx"] for e in endpoints.values()),
		"unexpected_4xx": sum(1 for e in run.errors if 400 <= e[1] < 500),
		"endpoints": endpoints,
		"errors": [
			{"endpoint": e[0], "status": e[1], "exc_type": e[2], "excerpt": e[3]} for e in run.errors[:50]
		],
		"check": check(frappe, ctx, run, since),
		"gunicorn_log": log_path,
	}
	frappe.destroy()
	with open(args.json, "w") as f:
		json.dump(results, f, indent=1, default=str)
	print()
	print(
		f"Load run: {args.clients} clients, {args.workers} gunicorn workers, {args.stock:g} units of "
		f"{ctx['item']}; code {results['code']}; {results['date']}"
	)
	print(table(results))
	for e in run.errors[:10]:
		print(f"  {e[0]} HTTP {e[1]} {e[2] or ''}: {e[3]}")
	print(f"\nJSON: {args.json}")


if __name__ == "__main__":
	main()
