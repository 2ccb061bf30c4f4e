import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint

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
		last_recompute: DF.Datetime | None
		notify_customers: DF.Check
		probabilities: DF.Table[OrderStatusProbability]
		recompute_batch_size: DF.Int
		recompute_cron: DF.Data | None
	# end: auto-generated types

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

	def add_missing_probabilities(self):
		present = {row.status for row in self.probabilities}
		for status in pipeline.STATUSES:
			if status not in present:
				self.append(
					"probabilities", {"status": status, "probability": pipeline.DEFAULT_PROBABILITY[status]}
				)


def get_probabilities() -> dict[str, float]:
	"""Win probability (%) per status: the settings' table over the defaults (cached per request)."""
	if "order_mgmt_probabilities" not in frappe.local.flags:
		table = dict(pipeline.DEFAULT_PROBABILITY)
		rows = frappe.get_all(
			"Order Status Probability",
			filters={"parent": "Order Management Settings", "parenttype": "Order Management Settings"},
			fields=["status", "probability"],
		)
		table.update({r.status: r.probability for r in rows})
		frappe.local.flags.order_mgmt_probabilities = table
	return frappe.local.flags.order_mgmt_probabilities
