import frappe
from frappe import _
from frappe.model.document import Document
from frappe.query_builder.functions import Count
from frappe.utils import cint, flt

from order_mgmt import settings
from order_mgmt.rules import pipeline


class OrderManagementSettings(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from order_mgmt.order_mgmt.doctype.order_status_probability.order_status_probability import (
			OrderStatusProbability,
		)

		archive_after_days: DF.Int
		archive_enabled: DF.Check
		delay_mail_days: DF.Int
		full_recompute_days: DF.Int
		last_recompute: DF.Datetime | None
		last_runs: DF.SmallText | None
		notify_customers: DF.Check
		probabilities: DF.Table[OrderStatusProbability]
		recompute_batch_size: DF.Int
		recompute_cron: DF.Data | None
		run_progress: DF.SmallText | None
	# end: auto-generated types

	@property
	def run_progress(self) -> str:
		"""The run under way, read from the run log (each batch records itself there)."""
		run = frappe.db.get_value(
			"Order Recompute Run",
			{"status": "Running"},
			["name", "kind", "started", "orders"],
			as_dict=True,
			order_by="started desc",
		)
		if not run:
			return _("No run in progress.")
		done, total = 0, 0
		batch = frappe.qb.DocType("Order Recompute Batch")
		for status, count in (
			frappe.qb.from_(batch)
			.select(batch.status, Count("*"))
			.where(batch.parent == run.name)
			.groupby(batch.status)
		).run():
			total += count
			done += count if status == "Done" else 0
		return _("{0} run started {1}: {2} of {3} batches done ({4} orders).").format(
			_(run.kind), run.started, done, total, run.orders
		)

	@property
	def last_runs(self) -> str:
		"""The last finished full and incremental runs: duration, lines covered and changed."""
		out = []
		for kind in ("Incremental", "Full"):
			run = frappe.db.get_value(
				"Order Recompute Run",
				{"status": "Finished", "kind": kind},
				["started", "duration", "orders", "lines", "lines_changed", "changed"],
				as_dict=True,
				order_by="started desc",
			)
			if run:
				out.append(
					_(
						"{0} {1}: {2} s, {3} orders / {4} lines covered, {5} orders / {6} lines changed"
					).format(
						_(kind),
						run.started,
						flt(run.duration, 1),
						run.orders,
						run.lines,
						run.changed,
						run.lines_changed,
					)
				)
		return "\n".join(out) or _("No run yet.")

	def validate(self):
		seen = set()
		for row in self.probabilities:
			if row.status in seen:
				frappe.throw(
					_("Row {0}: status {1} appears twice.").format(row.idx, _(row.status)),
					title=_("Duplicate Status"),
				)
			seen.add(row.status)
			if not 0 <= row.probability <= 100:
				frappe.throw(
					_("Row {0}: the probability must be between 0 and 100%.").format(row.idx),
					title=_("Invalid Probability"),
				)
		if cint(self.archive_after_days) < 0:
			frappe.throw(_("The archive age cannot be negative."), title=_("Invalid Archive Age"))
		if self.recompute_cron:
			from croniter import croniter

			if not croniter.is_valid(self.recompute_cron):
				frappe.throw(
					_("{0} is not a valid cron expression (e.g. 0 1 * * * for 1 a.m.).").format(
						self.recompute_cron
					),
					title=_("Invalid Cron"),
				)
		if self.notify_customers and self.has_value_changed("notify_customers"):
			from frappe.email.doctype.email_account.email_account import EmailAccount

			if not EmailAccount.find_default_outgoing():
				frappe.throw(
					_(
						"Set up a default outgoing Email Account first (Email Account → Default Outgoing): the customers' e-mails are sent through it."
					),
					title=_("No Outgoing Email Account"),
				)

	def on_update(self):
		self.apply_changed_probabilities()

	def apply_changed_probabilities(self):
		"""Submitted orders carry their status's win probability, which every recompute writes: a changed
		table applies to them at once (one UPDATE per changed status, the orders' `modified` untouched), so
		that the nightly runs, incremental or full, have nothing left to change."""
		before = self.get_doc_before_save()
		old = settings.effective_probabilities(before.probabilities if before else None)
		new = settings.effective_probabilities(self.probabilities)
		settings.forget_probabilities()
		co = frappe.qb.DocType("Customer Order")
		for status, probability in sorted(new.items()):
			if before is not None and old.get(status) == probability:
				continue
			(
				frappe.qb.update(co)
				.set(co.probability, probability)
				.where((co.docstatus == 1) & (co.status == status) & (co.probability != probability))
			).run()

	def add_missing_probabilities(self):
		present = {row.status for row in self.probabilities}
		for status in pipeline.STATUSES:
			if status not in present:
				self.append(
					"probabilities", {"status": status, "probability": pipeline.DEFAULT_PROBABILITY[status]}
				)
