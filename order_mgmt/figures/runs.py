"""Scheduled jobs (R12): the nightly recompute — incremental most nights, full every few days — fanned out
over Frappe's long queue in batches, and archiving old orders."""

import json
import time

import frappe
from frappe import _
from frappe.query_builder.functions import Sum
from frappe.utils import (
	add_days,
	add_to_date,
	cint,
	get_datetime,
	getdate,
	now_datetime,
	time_diff_in_seconds,
)
from frappe.utils.background_jobs import get_queue, get_workers

from order_mgmt.figures import engine, money, nightly, scope, shortages, write
from order_mgmt.rules import pipeline
from order_mgmt.services import transactions

SETTINGS = "Order Management Settings"
RUN = "Order Recompute Run"
BATCH = "Order Recompute Batch"


def recompute_if_due(now=None, inline: bool = False, commit: bool = True) -> bool:
	"""Runs every 15 minutes (hooks.py). A run under way is resumed (its unfinished batches enqueued again);
	otherwise a run starts when the settings' cron (default 1 a.m.) came due since the last one — a full
	run when the last full one is `full_recompute_days` old (default 7), else an incremental one. Returns
	whether a run started. `inline`, `commit`: as `start_run`."""
	from croniter import croniter

	now = get_datetime(now) if now else now_datetime()
	running = frappe.db.get_value(RUN, {"status": "Running"}, ["name", "started"], order_by="started desc")
	if running and get_datetime(running[1]) > add_to_date(now, hours=-STOP_AFTER_HOURS):
		resume_run(running[0])
		return False
	if running:
		# a batch that fails every time must not hold back every later night: the run is given up (its
		# batches stay in the log) and the next one starts when due
		frappe.db.set_value(RUN, running[0], "status", "Stopped", update_modified=False)
	cron = frappe.db.get_single_value(SETTINGS, "recompute_cron") or "0 1 * * *"
	last = frappe.db.get_single_value(SETTINGS, "last_recompute")
	base = get_datetime(last) if last else add_days(now, -1)
	if croniter(cron, base).get_next(type(now)) > now:
		return False
	frappe.db.set_single_value(SETTINGS, "last_recompute", now)
	start_run(today=now.date(), now=now, inline=inline, commit=commit)
	return True


def open_order_names() -> list[str]:
	"""Open orders, and delivered or archived ones whose money is not settled (they keep following their
	invoices and payments through the events; the nightly run is the safety net)."""
	co = frappe.qb.DocType("Customer Order")
	return (frappe.qb.from_(co).select(co.name).where(scope.open_condition(co)).orderby(co.name)).run(
		pluck=True
	)


def recompute_open_orders(batch_size: int | None = None, today=None, commit: bool = True) -> dict:
	"""Every open order, in batches of `batch_size` (settings, default 500); each batch reads with a fixed
	number of queries and writes only what changed. Returns counts for the caller."""
	batch_size = cint(batch_size) or cint(frappe.db.get_single_value(SETTINGS, "recompute_batch_size")) or 500
	names = open_order_names()
	changed = 0
	# the priority pass over all open demand, once for every batch (R4: "Not enough")
	short = shortages.shortages() if names else set()
	for start in range(0, len(names), batch_size):
		changed += recompute_batch(names[start : start + batch_size], today=today, short=short)
		if commit:
			frappe.db.commit()
	return {"orders": len(names), "changed": changed, "batches": -(-len(names) // batch_size)}


def recompute_batch(
	names: list[str],
	today=None,
	short: set[str] | None = None,
	stats: dict | None = None,
	costs_moved: set[str] | None = None,
) -> int:
	"""One batch of the nightly job: statuses, then profitability (costs booked without a document event of
	the app: purchase invoices, journal entries). `short`: the result of the priority pass, when the caller
	ran it once for all batches. `stats` receives the lines read and changed. `costs_moved`: when given,
	profitability is refreshed only for these orders and those whose money or deliveries changed in the
	recompute (the revenue and the cost of goods follow them); else for every order of the batch. Returns
	how many orders' statuses changed."""
	changes = engine.recompute(names, today=today, short=short, events=False, stats=stats, profit=False)
	if costs_moved is None:
		engine.recompute_profit(names)
	else:
		moved = {n for n, diff in changes.items() if PROFIT_INPUTS.intersection(diff)}
		engine.recompute_profit(sorted(moved | (costs_moved & set(names))))
	return len(changes)


#: header figures whose change moves the profitability (revenue from invoices, cost of goods from
#: deliveries)
PROFIT_INPUTS = frozenset({*money.MONEY_FIELDS, "per_delivered", "status"})


def archive_old_orders(today=None, commit: bool = True) -> list[str]:
	"""Delivered orders completed, and canceled orders last changed, more than the configured number of
	days ago become Archived — a delivered order only when its money is settled (it owes nothing and holds
	no credit): archiving never hides debt."""
	settings = frappe.get_cached_doc(SETTINGS)
	if not cint(settings.archive_enabled):
		return []
	cutoff = add_days(getdate(today), -cint(settings.archive_after_days))
	co = frappe.qb.DocType("Customer Order")
	settled = money.settled(co)
	delivered = (
		(co.status == pipeline.DELIVERED) & (co.completed_on < cutoff)
		| (co.status == pipeline.DELIVERED) & co.completed_on.isnull() & (co.modified < cutoff)
	) & settled
	canceled = (co.status == pipeline.CANCELED) & (co.modified < cutoff)
	names = (frappe.qb.from_(co).select(co.name).where(delivered | canceled)).run(pluck=True)
	if names:
		from order_mgmt.settings import get_probabilities

		probability = get_probabilities().get(pipeline.ARCHIVED, 0)
		write.write(
			"Customer Order", {n: {"status": pipeline.ARCHIVED, "probability": probability} for n in names}
		)
		if commit:
			frappe.db.commit()
	return names


# --- runs: a coordinator, idempotent batches on the long queue, a run log ------------------------------

#: how far before the last run's start the watermarks look: a transaction that wrote before the run
#: started may commit after it read. ERPNext's longest writes without an event of the app are a Stock
#: Reconciliation or Journal Entry of more than 100 rows, submitted in one background job (`queue_action`,
#: timeout 4,600 s); and the clock's fall-back hour of daylight saving time repeats an hour of `modified`
#: values. Looking further back only recomputes a few more orders again (idempotent).
WATERMARK_MARGIN_MINUTES = 150
#: a run still not finished after this long is given up (a batch that fails every time)
STOP_AFTER_HOURS = 20


def full_run_due(now=None) -> bool:
	"""A full run is due when the last finished full run is `full_recompute_days` (settings, default 7)
	old, or there never was one."""
	days = frappe.db.get_single_value(SETTINGS, "full_recompute_days")
	days = 7 if days is None else cint(days)
	last = frappe.db.get_value(
		RUN, {"kind": "Full", "status": "Finished"}, "started", order_by="started desc"
	)
	if not last or days <= 0:
		return True
	return get_datetime(last) <= add_days(get_datetime(now) if now else now_datetime(), -days)


def start_run(
	full: bool | None = None,
	today=None,
	now=None,
	since=None,
	batch_size: int | None = None,
	inline: bool = False,
	commit: bool = True,
) -> str:
	"""The coordinator: choose the orders (full: every open order; incremental: those whose next-check date
	came or whose documents changed since the last run, `nightly`), run the shared priority pass once (a
	full run), record the run and its batches, and enqueue the batches on the long queue — or run them
	here (`inline`: the bench command, and a caller that wants the result at once). `commit`: each batch
	and the run are committed as they are done (False: the caller's transaction keeps everything).
	Returns the run's name."""
	started = get_datetime(now) if now else now_datetime()
	today = getdate(today) if today else started.date()
	if full is None:
		full = full_run_due(started)
	if not full and since is None:
		last = frappe.db.get_value(RUN, {"status": "Finished"}, "started", order_by="started desc")
		if last:
			since = add_to_date(get_datetime(last), minutes=-WATERMARK_MARGIN_MINUTES)
		else:
			full = True
	batch_size = cint(batch_size) or cint(frappe.db.get_single_value(SETTINGS, "recompute_batch_size")) or 500
	if full:
		names = open_order_names()
		# profitability where money, deliveries or costs moved since the last run (every order when there
		# was none)
		last = frappe.db.get_value(RUN, {"status": "Finished"}, "started", order_by="started desc")
		costs = (
			nightly.cost_orders(add_to_date(get_datetime(last), minutes=-WATERMARK_MARGIN_MINUTES))
			if last
			else "all"
		)
	else:
		names = sorted(nightly.due_orders(today) | nightly.changed_orders(since))
		costs = nightly.cost_orders(since)
	run = frappe.get_doc(
		{
			"doctype": RUN,
			"kind": "Full" if full else "Incremental",
			"status": "Running",
			"run_date": today,
			"since": None if full else since,
			"started": started,
			"orders": len(names),
			"batch_size": batch_size,
		}
	)
	for start in range(0, len(names), batch_size):
		batch = names[start : start + batch_size]
		run.append(
			"batches",
			{
				"batch_no": start // batch_size + 1,
				"status": "Queued",
				"order_count": len(batch),
				"order_names": json.dumps(
					{"orders": batch, "costs": costs if costs == "all" else sorted(costs.intersection(batch))}
				),
			},
		)
	alone = sorted(costs - set(names)) if costs != "all" else []
	if alone:
		# orders whose costs alone moved (delivered, settled ones too): profitability only, no statuses
		run.append(
			"batches",
			{
				"batch_no": len(run.batches) + 1,
				"status": "Queued",
				"order_count": len(alone),
				"order_names": json.dumps({"orders": [], "costs": alone}),
			},
		)
	run.insert(ignore_permissions=True)
	if full and names:
		# the priority pass over all open demand, once for every batch (R4: "Not enough"); a batch that
		# finds it gone from the cache runs the pass for its own items, with the same verdicts
		frappe.cache.set_value(_short_key(run.name), sorted(shortages.shortages()), expires_in_sec=86400)
	if not run.batches:
		_finish(run.name)
		return run.name
	if inline:
		for row in run.batches:
			run_batch(run.name, row.batch_no, commit=commit)
	else:
		if commit:
			frappe.db.commit()  # the workers read the run and its batches
		resume_run(run.name)
	return run.name


def resume_run(run: str) -> int:
	"""Enqueue workers' shares of a run whose batches are not all done (`drain_run`): as many jobs as RQ
	workers listen on the long queue (at least one, never more than the batches left), each with a stable
	job id (one already queued or running is not enqueued twice); finish the run when no batch is left.
	Returns how many batches are left."""
	pending = frappe.db.count(BATCH, {"parent": run, "status": "Queued"})
	if not pending:
		_finish(run)
		return 0
	for share in range(1, min(pending, _long_queue_workers()) + 1):
		job_id = f"order_mgmt_recompute::{run}::share-{share}"
		_forget_if_dead(job_id)
		frappe.enqueue(
			"order_mgmt.figures.runs.drain_run",
			queue="long",
			timeout=3600,
			job_id=job_id,
			deduplicate=True,
			enqueue_after_commit=True,
			run=run,
		)
	return pending


def _forget_if_dead(job_id: str) -> None:
	"""A share whose worker was killed mid-run stays "started" in RQ until its timeout (an hour), and
	Frappe's deduplication would skip enqueueing it again until then: a started job whose worker is gone
	(no heartbeat) is removed, so that this tick enqueues the share afresh. Its batches are still queued in
	the run log (a batch is done only when its row says so), and the lock a dead worker held on its batch
	went with its connection."""
	from frappe.utils.background_jobs import get_job, get_redis_conn
	from rq.worker import Worker

	try:
		job = get_job(job_id)
		if job is None or job.get_status() != "started":
			return
		name = job.worker_name
		if name and Worker.find_by_key(
			Worker.redis_worker_namespace_prefix + name, connection=get_redis_conn()
		):
			return  # a live worker holds it
		job.delete()
	except Exception:
		frappe.log_error(title=_("Order Management: run share not checked"))


def _long_queue_workers() -> int:
	"""How many RQ workers take jobs of the long queue now (1 when that cannot be told)."""
	try:
		return max(len(get_workers(get_queue("long"))), 1)
	except Exception:
		return 1


def drain_run(run: str, commit: bool = True) -> int:
	"""A worker's share of a run: take the next batch no other worker holds (its row locked with `FOR
	UPDATE SKIP LOCKED` until the batch commits), run it (`run_batch`), and go on until none is left — so
	that any number of workers share a run's batches, each paying a job's start once, not once per batch.
	A worker lost mid-batch releases its lock with its connection; the batch stays queued for the next
	tick. Returns how many batches this share ran."""
	ran = 0
	while True:
		# no ORDER BY: sorting would read (and lock) every queued batch of the run before taking one
		batch = transactions.locking_read_afresh(
			lambda: frappe.db.sql(
				f"""select batch_no from `tab{BATCH}` where parent = %s and status = 'Queued'
				limit 1 for update skip locked""",
				run,
			)
		)
		if not batch:
			return ran
		ran += run_batch(run, batch[0][0], commit=commit)


def run_batch(run: str, batch_no: int, commit: bool = True) -> bool:
	"""One batch of a run: recompute its orders as of the run's date and record it as done in its own row
	(nothing else is written by every worker). Idempotent: a batch already done is skipped, and the
	recompute writes only what differs. The last batch to finish closes the run. Returns whether it ran."""
	row = frappe.db.get_value(
		BATCH, {"parent": run, "batch_no": batch_no}, ["name", "status", "order_names"], as_dict=True
	)
	if not row or row.status == "Done":
		return False
	run_date = frappe.db.get_value(RUN, run, "run_date")
	batch = json.loads(row.order_names or "{}")
	names, costs = batch.get("orders") or [], batch.get("costs") or []
	stats = {"lines": 0, "lines_changed": 0}
	changed = 0
	if names:
		short = frappe.cache.get_value(_short_key(run))
		changed = recompute_batch(
			names,
			today=run_date,
			short=set(short) if short is not None else None,
			stats=stats,
			costs_moved=None if costs == "all" else set(costs),
		)
	elif costs:
		engine.recompute_profit(costs)
	frappe.db.set_value(
		BATCH,
		row.name,
		{
			"status": "Done",
			"changed": changed,
			"lines": stats["lines"],
			"lines_changed": stats["lines_changed"],
			"finished": now_datetime(),
		},
		update_modified=False,
	)
	if commit:
		frappe.db.commit()
	if not frappe.db.exists(BATCH, {"parent": run, "status": "Queued"}):
		_finish(run)
		if commit:
			frappe.db.commit()
	return True


def _finish(run: str):
	"""Close a run once: its figures summed from its batches (the run row is locked, so two workers that
	finish together close it once)."""
	status = transactions.locking_read_afresh(
		lambda: frappe.db.sql(f"select status, started from `tab{RUN}` where name = %s for update", run)
	)
	if not status or status[0][0] != "Running":
		return
	batch = frappe.qb.DocType(BATCH)
	lines, lines_changed, changed = (
		frappe.qb.from_(batch)
		.select(Sum(batch.lines), Sum(batch.lines_changed), Sum(batch.changed))
		.where(batch.parent == run)
	).run()[0]
	finished = now_datetime()
	frappe.db.set_value(
		RUN,
		run,
		{
			"status": "Finished",
			"finished": finished,
			"duration": max(time_diff_in_seconds(finished, status[0][1]), 0.0),
			"lines": cint(lines),
			"lines_changed": cint(lines_changed),
			"changed": cint(changed),
		},
		update_modified=False,
	)
	frappe.cache.delete_value(_short_key(run))


def _short_key(run: str) -> str:
	return f"order_mgmt_recompute_short::{run}"


def run_now(full: bool = False, batch_size: int | None = None, today=None) -> dict:
	"""A run in this process (the bench command): its figures."""
	started = time.monotonic()
	name = start_run(full=full, batch_size=batch_size, today=today, inline=True)
	run = frappe.get_doc(RUN, name)
	return {
		"run": name,
		"kind": run.kind,
		"orders": run.orders,
		"open": len(open_order_names()) if not full else run.orders,
		"batches": len(run.batches),
		"changed": run.changed,
		"lines": run.lines,
		"lines_changed": run.lines_changed,
		"seconds": time.monotonic() - started,
	}
