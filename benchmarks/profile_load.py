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
	ap.add_argument("--no-cprofile", action="store_true", help="queries only (no cProfile per request)")
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
						record_jobs=False, profile=not args.no_cprofile, capture_stack=True, explain=False
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


if __name__ == "__main__":
	main()
