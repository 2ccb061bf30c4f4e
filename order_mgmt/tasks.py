"""Scheduled jobs (R12): the nightly recompute of every open order, and archiving old orders."""

import frappe
from frappe.utils import add_days, cint, get_datetime, getdate, now_datetime

from order_mgmt import costing, order_figures
from order_mgmt.rules import pipeline

SETTINGS = "Order Management Settings"


def recompute_if_due(now=None) -> bool:
	"""Runs every 15 minutes (hooks.py); recomputes when the settings' cron (default 1 a.m.) came due
	since the last run. Returns whether it ran."""
	from croniter import croniter

	cron = frappe.db.get_single_value(SETTINGS, "recompute_cron") or "0 1 * * *"
	last = frappe.db.get_single_value(SETTINGS, "last_recompute")
	now = get_datetime(now) if now else now_datetime()
	base = get_datetime(last) if last else add_days(now, -1)
	if croniter(cron, base).get_next(type(now)) > now:
		return False
	recompute_open_orders(today=now.date(), commit=not frappe.flags.in_test)
	frappe.db.set_single_value(SETTINGS, "last_recompute", now)
	return True


def open_order_names() -> list[str]:
	"""Open orders, and delivered or archived ones whose money is not settled (they keep following their
	invoices and payments through the events; the nightly run is the safety net)."""
	co = frappe.qb.DocType("Customer Order")
	unsettled = co.status.isin([pipeline.DELIVERED, pipeline.ARCHIVED]) & (
		(co.outstanding_amount > 0.005) | (co.outstanding_amount < -0.005) | (co.invoice_status != "Invoiced")
	)
	return (
		frappe.qb.from_(co)
		.select(co.name)
		.where((co.docstatus == 1) & (co.status.isin(sorted(pipeline.OPEN_STATUSES)) | unsettled))
		.orderby(co.name)
	).run(pluck=True)


def recompute_open_orders(batch_size: int | None = None, today=None, commit: bool | None = None) -> dict:
	"""Every open order, in batches of `batch_size` (settings, default 500); each batch reads with a fixed
	number of queries and writes only what changed. Returns counts for the caller."""
	batch_size = cint(batch_size) or cint(frappe.db.get_single_value(SETTINGS, "recompute_batch_size")) or 500
	names = open_order_names()
	changed = 0
	# the priority pass over all open demand, once for every batch (R4: "Not enough")
	short = order_figures.shortages() if names else set()
	for start in range(0, len(names), batch_size):
		changed += recompute_batch(names[start : start + batch_size], today=today, short=short)
		if commit if commit is not None else not frappe.flags.in_test:
			frappe.db.commit()
	return {"orders": len(names), "changed": changed, "batches": -(-len(names) // batch_size)}


def recompute_batch(names: list[str], today=None, short: set[str] | None = None) -> int:
	"""One batch of the nightly job: statuses, then profitability (costs booked without a document event of
	the app: purchase invoices, journal entries). `short`: the result of the priority pass, when the caller
	ran it once for all batches. Returns how many orders' statuses changed."""
	changed = len(order_figures.recompute(names, today=today, short=short, events=False))
	costing.update_profitability(names)
	return changed


def archive_old_orders(today=None, commit: bool | None = None) -> list[str]:
	"""Delivered orders completed, and canceled orders last changed, more than the configured number of
	days ago become Archived — a delivered order only when its money is settled (it owes nothing and holds
	no credit): archiving never hides debt."""
	settings = frappe.get_cached_doc(SETTINGS)
	if not cint(settings.archive_enabled):
		return []
	cutoff = add_days(getdate(today), -cint(settings.archive_after_days))
	co = frappe.qb.DocType("Customer Order")
	settled = (co.outstanding_amount <= 0.005) & (co.outstanding_amount >= -0.005)
	delivered = (
		(co.status == pipeline.DELIVERED) & (co.completed_on < cutoff)
		| (co.status == pipeline.DELIVERED) & co.completed_on.isnull() & (co.modified < cutoff)
	) & settled
	canceled = (co.status == pipeline.CANCELED) & (co.modified < cutoff)
	names = (frappe.qb.from_(co).select(co.name).where(delivered | canceled)).run(pluck=True)
	if names:
		from order_mgmt.order_mgmt.doctype.order_management_settings.order_management_settings import (
			get_probabilities,
		)

		probability = get_probabilities().get(pipeline.ARCHIVED, 0)
		order_figures.write(
			"Customer Order", {n: {"status": pipeline.ARCHIVED, "probability": probability} for n in names}
		)
		if commit if commit is not None else not frappe.flags.in_test:
			frappe.db.commit()
	return names
