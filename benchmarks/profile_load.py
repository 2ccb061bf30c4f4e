"""Where the load run's time goes: run by `benchmarks/run --load --profile` (see README, "The load run").

    benchmarks/run --load --profile [--seconds 20] [--loads scarce] [--flows app,erpnext] [--json PATH]

The load run's flows (benchmarks/load.py) on the same sites and server, shorter, with Frappe's recorder on
(every request's SQL with its duration and the app's frame that issued it, and a cProfile of the request),
while a second connection samples InnoDB's lock waits (information_schema.innodb_lock_waits) every 100 ms
and the server's row-lock counters are read before and after. cProfile slows Python roughly twofold, so the
absolute times are above the plain load run's; the query counts and the shares are what to read. Prints,
per endpoint: requests, mean duration, queries (and their time), time in locking reads, how long the Bins
stay locked until the commit, the app's queries by function, and the functions with the most cumulative
time; writes JSON (default benchmarks/results-profile.json).
"""

import argparse
import os
import re
import threading
import time

import load

HERE = os.path.dirname(os.path.abspath(__file__))
PROFILE_LINE = re.compile(r"^\s*([\d/]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(.+)$")


def server_status(cur) -> dict:
	cur.execute(
		"show global status where Variable_name in ('Innodb_row_lock_waits', 'Innodb_row_lock_time', "
		"'Innodb_deadlocks', 'Com_commit', 'Questions')"
	)
	return {k: int(v) for k, v in cur.fetchall()}


class LockSampler(threading.Thread):
	"""InnoDB's lock waits of the two sites' databases, sampled every 100 ms from a root connection."""

	def __init__(self, password, databases):
		super().__init__(daemon=True)
		import pymysql

		self.conn = pymysql.connect(host="127.0.0.1", user="root", password=password, autocommit=True)
		self.databases = databases
		self.samples = 0
		self.waiting = {}  # table -> samples with a transaction waiting on a lock of it
		self.waiters = 0
		self.stop = threading.Event()

	def run(self):
		cur = self.conn.cursor()
		while not self.stop.is_set():
			cur.execute(
				"""select l.lock_table, l.lock_index, l.lock_data from information_schema.innodb_lock_waits w
				join information_schema.innodb_locks l on l.lock_id = w.requested_lock_id"""
			)
			rows = cur.fetchall()
			self.samples += 1
			for table, index, data in rows:
				if any(db in table for db in self.databases):
					self.waiters += 1
					key = table.split(".")[-1].strip("`") + f" ({index})"
					if "tabSeries" in key:
						key += f" {data}"
					self.waiting[key] = self.waiting.get(key, 0) + 1
			time.sleep(0.1)


def origin(call) -> str:
	"""The app's innermost frame that issued a query (file:function), or the platform's top app."""
	for frame in reversed(call.get("stack") or []):
		name = frame["filename"]
		if "order_mgmt/" in name:
			return f"{name.split('order_mgmt/', 1)[-1]}:{frame['function']}"
	for frame in reversed(call.get("stack") or []):
		if "erpnext/" in frame["filename"]:
			return f"erpnext {frame['filename'].rsplit('/', 1)[-1]}:{frame['function']}"
	return "frappe"


def summarise(requests_: list, endpoint_of) -> dict:
	out = {}
	for req in requests_:
		ep = endpoint_of(req)
		if not ep:
			continue
		e = out.setdefault(
			ep,
			{
				"n": 0,
				"duration": 0.0,
				"queries": 0,
				"query_ms": 0.0,
				"locking_ms": 0.0,
				"bin_hold_ms": [],
				"writes": 0,
				"by_origin": {},
				"by_table_write": {},
				"profile": {},
			},
		)
		calls = req.get("calls") or []
		e["n"] += 1
		e["duration"] += req["duration"]
		e["queries"] += len(calls)
		e["query_ms"] += sum(c["duration"] for c in calls)
		first_bin_lock, end = None, None
		for c in calls:
			q = c["query"].lower()
			end = c["time"] + c["duration"] / 1000
			if "for update" in q:
				e["locking_ms"] += c["duration"]
				if first_bin_lock is None and "`tabbin`" in q:
					first_bin_lock = c["time"]
			if q.lstrip().startswith(("insert", "update", "delete")):
				e["writes"] += 1
				m = re.search(r"(?:into|update|from)\s+`?(tab[^`\s]+)", q)
				table = m.group(1) if m else "?"
				e["by_table_write"][table] = e["by_table_write"].get(table, 0) + 1
			o = origin(c)
			e["by_origin"][o] = e["by_origin"].get(o, 0) + 1
		if first_bin_lock is not None and end is not None:
			e["bin_hold_ms"].append((end - first_bin_lock) * 1000)
		for line in (req.get("profile") or "").splitlines():
			m = PROFILE_LINE.match(line)
			if m:
				fn = m.group(6).strip()
				e["profile"][fn] = e["profile"].get(fn, 0.0) + float(m.group(4)) * 1000
	for e in out.values():
		n = e["n"]
		e["duration"] /= n
		e["queries"] /= n
		e["query_ms"] /= n
		e["locking_ms"] /= n
		e["writes"] /= n
		holds = sorted(e.pop("bin_hold_ms"))
		e["bin_hold_ms"] = holds[len(holds) // 2] if holds else None
		e["by_origin"] = dict(sorted(((k, v / n) for k, v in e["by_origin"].items()), key=lambda kv: -kv[1]))
		e["by_table_write"] = dict(
			sorted(((k, v / n) for k, v in e["by_table_write"].items()), key=lambda kv: -kv[1])
		)
		e["profile"] = dict(sorted(((k, v / n) for k, v in e["profile"].items()), key=lambda kv: -kv[1])[:60])
	return out


def endpoint_of(req) -> str | None:
	path = req.get("path") or ""
	if path.endswith("/api/resource/Customer Order") or path.endswith("/api/resource/Customer%20Order"):
		return "app create"
	if "customer_order.confirm" in path:
		return "app confirm"
	if "fulfilment.reserve" in path:
		return "app reserve"
	if path.rstrip("/").endswith("/api/resource/Sales Order") or path.endswith("Sales%20Order"):
		return "erpnext create+submit"
	if "/api/resource/Sales Order/" in path or "/api/resource/Sales%20Order/" in path:
		return "erpnext reserve"
	return None


def report(summary: dict) -> str:
	out = []
	for ep, e in summary.items():
		out.append(
			f"\n{ep}: {e['n']} requests, mean {e['duration']:.0f} ms; {e['queries']:.0f} queries "
			f"({e['query_ms']:.0f} ms), {e['writes']:.0f} writes; locking reads {e['locking_ms']:.0f} ms; "
			f"Bins locked until the commit (median) {e['bin_hold_ms'] or 0:.0f} ms"
		)
		out.append(
			"  queries by origin: " + ", ".join(f"{k} {v:.1f}" for k, v in list(e["by_origin"].items())[:14])
		)
		out.append("  writes by table: " + ", ".join(f"{k} {v:.1f}" for k, v in e["by_table_write"].items()))
		out.append("  cumulative ms (cProfile):")
		for fn, ms in list(e["profile"].items())[:45]:
			out.append(f"    {ms:8.1f}  {fn}")
	return "\n".join(out)


def main():
	import json

	ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
	ap.add_argument("--site", required=True)
	ap.add_argument("--peer-site", required=True)
	ap.add_argument("--clients", type=int, default=8)
	ap.add_argument("--seconds", type=float, default=20)
	ap.add_argument("--max-orders", type=int, default=2000)
	ap.add_argument("--workers", type=int, default=4)
	ap.add_argument("--stock", type=float, default=40)
	ap.add_argument("--items", type=int, default=40)
	ap.add_argument("--loads", default="scarce")
	ap.add_argument("--flows", default="app,erpnext")
	ap.add_argument(
		"--no-cprofile",
		action="store_true",
		help="queries and their durations only (no cProfile, no stacks): near the plain run's speed",
	)
	ap.add_argument("--db-root-password", default=os.environ.get("ORDER_MGMT_DB_ROOT_PASSWORD", "root"))
	ap.add_argument("--json", default=os.path.join(HERE, "results-profile.json"))
	args = ap.parse_args()
	loads = [x for x in args.loads.split(",") if x]
	flows = [x for x in args.flows.split(",") if x]
	sites = {"app": args.site, "erpnext": args.peer_site}
	stamp = time.strftime("%Y%m%d-%H%M%S")

	import frappe.recorder as recorder

	ctx, dbs = {}, {}
	for flow in flows:
		with load.on_site(sites[flow]) as frappe:
			ctx[flow] = load.setup(frappe, flow, args.stock, args.items, stamp)
			dbs[flow] = frappe.conf.db_name
	port = load.free_port()
	log_path = os.path.abspath(os.path.join(args.site, "logs", "profile-gunicorn.log"))
	server = load.start_server([sites[f] for f in flows], port, args.workers, log_path)
	results = {"date": time.strftime("%Y-%m-%d %H:%M"), "config": vars(args), "runs": []}
	import pymysql

	status_cur = pymysql.connect(
		host="127.0.0.1", user="root", password=args.db_root_password, autocommit=True
	).cursor()
	try:
		for load_ in loads:
			for flow in flows:
				with load.on_site(sites[flow]) as frappe:
					recorder.delete()
					recorder.start(
						record_jobs=False,
						profile=not args.no_cprofile,
						capture_stack=not args.no_cprofile,
						explain=False,
					)
					frappe.db.commit()
				sampler_ = LockSampler(args.db_root_password, [dbs[flow]])
				before = server_status(status_cur)
				sampler_.start()
				run = load.Run(args, flow, load_, ctx[flow], f"http://127.0.0.1:{port}", sites[flow])
				run.go()
				sampler_.stop.set()
				sampler_.join()
				after = server_status(status_cur)
				with load.on_site(sites[flow]) as frappe:
					frappe.cache.delete_value(recorder.RECORDER_INTERCEPT_FLAG)
					reqs = list(frappe.cache.hgetall(recorder.RECORDER_REQUEST_HASH).values())
					recorder.delete()
				confirmed = sum(1 for o in run.orders if o[1])
				summary = summarise(reqs, endpoint_of)
				entry = {
					"load": load_,
					"flow": flow,
					"orders": confirmed,
					"seconds": run.elapsed,
					"load_average": [run.load_before, run.load_after],
					"server": {k: after[k] - before.get(k, 0) for k in after},
					"lock_wait_samples": sampler_.samples,
					"lock_waiters_mean": sampler_.waiters / max(1, sampler_.samples),
					"lock_waits_by_table": sampler_.waiting,
					"endpoints": summary,
				}
				results["runs"].append(entry)
				print(
					f"\n=== {load_} / {flow}: {confirmed} orders in {run.elapsed:.0f} s "
					f"({confirmed / run.elapsed:.2f}/s under the recorder); load average "
					f"{run.load_before:.1f} → {run.load_after:.1f}; server: {entry['server']}; "
					f"lock waiters per sample {entry['lock_waiters_mean']:.2f}, by table {sampler_.waiting}",
					flush=True,
				)
				print(report(summary), flush=True)
	finally:
		server.terminate()
		server.wait(timeout=60)
	with open(args.json, "w") as f:
		json.dump(results, f, indent=1, default=str)
	print(f"\nJSON: {args.json}")


# --- time and queries per phase, in one process ---------------------------------------------------------

#: (label, path suffix, function): the phases of a request, found in its cProfile and in the stacks of its
#: queries (a query counts for every phase its stack passes through)
PHASES = (
	("Customer Order validate (all)", "doctype/customer_order/customer_order.py", "validate"),
	("  pricing by the app (selling.apply_prices)", "order_mgmt/services/selling.py", "apply_prices"),
	("naming series (getseries, locked to the commit)", "frappe/model/naming.py", "getseries"),
	("Bin locks (stock_guard.lock_bins)", "order_mgmt/services/stock_guard.py", "lock_bins"),
	("Customer Order on_submit", "doctype/customer_order/customer_order.py", "on_submit"),
	("  Sales Order made (selling.make_sales_order)", "order_mgmt/services/selling.py", "make_sales_order"),
	(
		"Sales Order validate (ERPNext: pricing again)",
		"selling/doctype/sales_order/sales_order.py",
		"validate",
	),
	("  ERPNext pricing (set_missing_values)", "controllers/selling_controller.py", "set_missing_values"),
	("  ERPNext taxes and totals", "controllers/taxes_and_totals.py", "__init__"),
	("Sales Order on_submit (ERPNext: Bins, ...)", "selling/doctype/sales_order/sales_order.py", "on_submit"),
	("recompute (figures.engine.recompute)", "order_mgmt/figures/engine.py", "recompute"),
	("timeline note", "order_mgmt/services/timeline.py", "note"),
	("versions (Document.save_version)", "frappe/model/document.py", "save_version"),
	("Customer Order save_version", "doctype/customer_order/customer_order.py", "save_version"),
	("the transaction's flush (figures.intake.flush)", "order_mgmt/figures/intake.py", "flush"),
	("reload of the order", "frappe/model/document.py", "reload"),
	("realtime notify_update", "frappe/model/document.py", "notify_update"),
	(
		"ERPNext reservation entries",
		"stock_reservation_entry.py",
		"create_stock_reservation_entries_for_so_items",
	),
	("availability answered (get_availability)", "order_mgmt/api/stock.py", "get_availability"),
	("status summary answered", "order_mgmt/api/customer_order.py", "status_summary"),
	("jobs enqueued (frappe.enqueue)", "frappe/utils/background_jobs.py", "enqueue"),
)


#: platform functions listed beside the app's own in a step's top cumulative times
TOP_ALSO = {
	"insert",
	"submit",
	"db_insert",
	"db_update",
	"validate",
	"on_submit",
	"set_status",
	"run_notifications",
	"_validate_links",
	"check_permission",
	"has_permission",
	"get_doc",
	"reload",
	"commit",
	"save_version",
	"update_reserved_qty",
	"set_missing_values",
	"update_children",
	"notify_update",
	"run_post_save_methods",
}


class QueryLog:
	"""frappe.db.sql wrapped: each query's duration and the phases its stack passes through."""

	def __init__(self, frappe):
		import sys

		self.frappe, self.sys = frappe, sys
		self.queries = []
		self.original = frappe.db.sql

		def sql(*args, **kwargs):
			t = time.perf_counter()
			try:
				return self.original(*args, **kwargs)
			finally:
				self.queries.append((time.perf_counter() - t, self.phases_on_stack()))

		frappe.db.sql = sql

	def phases_on_stack(self) -> set:
		found = set()
		f = self.sys._getframe(2)
		while f is not None:
			code = f.f_code
			for i, (_label, suffix, fn) in enumerate(PHASES):
				if code.co_name == fn and code.co_filename.endswith(suffix):
					found.add(i)
			f = f.f_back
		return found

	def close(self):
		self.frappe.db.sql = self.original


def _cumulative(stats) -> dict:
	"""Per phase: cumulative seconds and calls, from a pstats.Stats."""
	out = {}
	for (filename, _line, fn), (_cc, nc, _tt, ct, _callers) in stats.stats.items():
		for i, (_label, suffix, name) in enumerate(PHASES):
			if fn == name and filename.endswith(suffix):
				t, n = out.get(i, (0.0, 0))
				out[i] = (t + ct, n + nc)
	return out


def _as_the_request(frappe, method: str, path: str, fn):
	"""`fn()` as the request `method path` (a werkzeug request as the server's)."""
	from werkzeug.test import EnvironBuilder
	from werkzeug.wrappers import Request

	frappe.local.request = Request(EnvironBuilder(path=path, method=method).get_environ())
	try:
		return fn()
	finally:
		del frappe.local.request


def phases(frappe, flow: str, ctx: dict, n: int) -> dict:
	"""n orders of the spread load's items, each step timed (wall, queries) and profiled, committed after
	each step as its request would be."""
	import cProfile
	import pstats

	user = load.USER
	frappe.set_user(user)
	steps = {}

	def step(name, fn):
		log = QueryLog(frappe)
		prof = cProfile.Profile()
		t = time.perf_counter()
		prof.enable()
		try:
			result = fn()
			frappe.db.commit()
		finally:
			prof.disable()
			log.close()
		wall = time.perf_counter() - t
		s = steps.setdefault(name, {"n": 0, "wall_ms": 0.0, "queries": 0, "query_ms": 0.0, "phases": {}})
		s["n"] += 1
		s["wall_ms"] += wall * 1000
		s["queries"] += len(log.queries)
		s["query_ms"] += sum(d for d, _p in log.queries) * 1000
		stats = pstats.Stats(prof)
		cum = _cumulative(stats)
		top = s.setdefault("top", {})
		for (filename, line, fn), (_cc, nc, _tt, ct, _callers) in stats.stats.items():
			if "order_mgmt/" in filename or fn in TOP_ALSO:
				key = f"{filename.rsplit('order_mgmt/', 1)[-1] if 'order_mgmt/' in filename else filename.rsplit('/', 1)[-1]}:{line}({fn})"
				t0, n0 = top.get(key, (0.0, 0))
				top[key] = (t0 + ct * 1000, n0 + nc)
		for i, (label, _suffix, _fn) in enumerate(PHASES):
			q = [d for d, p in log.queries if i in p]
			t_, calls = cum.get(i, (0.0, 0))
			if calls or q:
				ph = s["phases"].setdefault(label, {"ms": 0.0, "calls": 0, "queries": 0})
				ph["ms"] += t_ * 1000
				ph["calls"] += calls
				ph["queries"] += len(q)
		return result

	rng = __import__("random").Random(7)
	for _ in range(n):
		body = load.order_body(flow, ctx, ctx["items"]["spread"], rng)
		if flow == "app-submit":
			# as Frappe's route `POST /api/resource/Customer Order` runs it (the request: read committed,
			# priced once by its Sales Order — services.transactions.read_committed_for)
			doc = step(
				"create confirmed",
				lambda body=body: _as_the_request(
					frappe,
					"POST",
					"/api/resource/Customer Order",
					lambda: frappe.new_doc("Customer Order", **body).insert(),
				),
			)
			reserve = frappe.get_attr(_whitelisted(frappe, "order_mgmt.api.stock.reserve"))
			step("reserve", lambda name=doc.name: reserve(name))
		elif flow == "app":
			doc = step("create", lambda body=body: frappe.new_doc("Customer Order", **body).insert())
			confirm = frappe.get_attr("order_mgmt.api.customer_order.confirm")
			reserve = frappe.get_attr(_whitelisted(frappe, "order_mgmt.api.stock.reserve"))
			step("confirm", lambda name=doc.name: confirm(name))
			step("reserve", lambda name=doc.name: reserve(name))
		else:
			doc = step("create+submit", lambda body=body: frappe.new_doc("Sales Order", **body).insert())
			step(
				"reserve",
				lambda name=doc.name: frappe.get_doc("Sales Order", name).run_method(
					"create_stock_reservation_entries"
				),
			)
	for s in steps.values():
		k = s["n"]
		s["top"] = dict(
			sorted(((key, (t / k, c / k)) for key, (t, c) in s["top"].items()), key=lambda kv: -kv[1][0])[:40]
		)
		s.pop("n")
		for key in ("wall_ms", "queries", "query_ms"):
			s[key] /= k
		for ph in s["phases"].values():
			for key in ph:
				ph[key] /= k
	frappe.set_user("Administrator")
	return steps


def _whitelisted(frappe, path: str) -> str:
	return (frappe.get_hooks("override_whitelisted_methods") or {}).get(path, [path])[-1]


def phases_report(flow: str, steps: dict) -> str:
	out = []
	for name, s in steps.items():
		out.append(
			f"\n{flow} {name}: {s['wall_ms']:.0f} ms under cProfile, {s['queries']:.0f} queries ({s['query_ms']:.0f} ms)"
		)
		for label, ph in s["phases"].items():
			out.append(
				f"    {ph['ms']:7.1f} ms {ph['queries']:6.1f} queries {ph['calls']:5.1f} calls  {label}"
			)
		out.append("  top cumulative (the app's functions and some of the platform's):")
		for key, (ms, calls) in list(s.get("top", {}).items())[:30]:
			out.append(f"    {ms:7.1f} ms {calls:5.1f} calls  {key}")
	return "\n".join(out)


def phases_main():
	import json

	ap = argparse.ArgumentParser()
	ap.add_argument("--site", required=True)
	ap.add_argument("--peer-site", required=True)
	ap.add_argument("--phases", type=int, default=5, help="orders per flow")
	ap.add_argument("--flows", default="app,erpnext")
	ap.add_argument("--json", default=os.path.join(HERE, "results-phases.json"))
	args, _rest = ap.parse_known_args()
	sites = {"app": args.site, "app-submit": args.site, "erpnext": args.peer_site}
	stamp = time.strftime("%Y%m%d-%H%M%S")
	results = {"date": time.strftime("%Y-%m-%d %H:%M"), "orders": args.phases, "flows": {}}
	for flow in [f for f in args.flows.split(",") if f]:
		with load.on_site(sites[flow]) as frappe:
			ctx = load.setup(frappe, flow, 40, 5, stamp + ("S" if flow == "app-submit" else ""))
			phases(frappe, flow, ctx, 1)  # warm: metadata and caches, as a running server has them
			results["flows"][flow] = steps = phases(frappe, flow, ctx, args.phases)
		print(phases_report(flow, steps), flush=True)
	with open(args.json, "w") as f:
		json.dump(results, f, indent=1)
	print(f"\nJSON: {args.json}")


if __name__ == "__main__":
	import sys

	phases_main() if any(a.startswith("--phases") for a in sys.argv) else main()
