"""Actions on a Customer Order: what the form's buttons call, and the REST API
(`POST /api/method/order_mgmt.api.customer_order.<name>`). Each checks the caller's permission."""

import frappe
from frappe import _

from order_mgmt import permissions
from order_mgmt.figures import intake
from order_mgmt.permissions import get_order as _get_order
from order_mgmt.rules import pipeline
from order_mgmt.services import stock_guard, transactions
from order_mgmt.services.transactions import one_action


def _lock_stock_of(order) -> None:
	"""Before the Sales Order is submitted or cancelled: ERPNext rewrites whole Bins of its items (ordered
	and reserved quantities) from a plain read; with the Bins locked first, on a fresh snapshot when the
	action is the request itself, that read is current."""
	stock_guard.fresh_snapshot()
	order.lock_stock()


def _answer(name: str) -> dict:
	"""The order's statuses after the action: what its documents' events marked is done first. The action
	has checked the caller's right on the order; its fields are read back in one query."""
	intake.flush()
	return _summary(frappe.db.get_value("Customer Order", name, SUMMARY_FIELDS, as_dict=True))


@frappe.whitelist(methods=["POST"])
@one_action
def confirm(name: str | None = None) -> dict:
	"""Confirm (submit) the order: creates and submits its ERPNext Sales Order."""
	order = _get_order(name, "submit")
	if order.docstatus != 0:
		frappe.throw(
			_("Customer Order {0} is already {1}.").format(name, _(order.status)),
			title=_("Already Confirmed"),
		)
	if transactions.reads_committed():
		# ERPNext's reads are current: the Bins are locked once ERPNext has validated and priced the Sales
		# Order, just before its submit writes them (`overrides.sales_order.validate`), not for the whole
		# confirmation
		order.flags.lock_bins_late = True
	else:
		_lock_stock_of(order)
	order.submit()
	return _answer(name)


@frappe.whitelist(methods=["POST"])
@one_action
def cancel(name: str | None = None) -> dict:
	"""Cancel the order: its reservations are released and its Sales Order cancelled."""
	order = _get_order(name, "cancel")
	if order.docstatus != 1:
		frappe.throw(
			_("Only a confirmed order can be canceled; {0} is {1}.").format(name, _(order.status)),
			title=_("Cannot Cancel"),
		)
	_lock_stock_of(order)
	order.cancel()
	return _answer(name)


@frappe.whitelist(methods=["POST"])
@one_action
def set_status(name: str | None = None, status: str | None = None) -> dict:
	"""Move the order to another status by hand (only moves the pipeline table allows)."""
	order = _get_order(name, "write")
	if status not in pipeline.STATUSES:
		frappe.throw(
			_("Unknown status {0}: choose one of {1}.").format(
				frappe.bold(frappe.utils.escape_html(status)), ", ".join(_(s) for s in pipeline.STATUSES)
			),
			title=_("Invalid Status"),
		)
	order.set_status(status)
	return _answer(name)


@frappe.whitelist(methods=["POST"])
@one_action
def complete(name: str | None = None) -> dict:
	"""Mark a shipped order (or one with nothing left to ship) as Delivered (done). Its tasks stay open."""
	return set_status(name, pipeline.DELIVERED)


@frappe.whitelist()
@frappe.read_only()
def status_summary(name: str | None = None) -> dict:
	"""The order's statuses and links, as the form's header and integrations show them."""
	return _summary(_get_order(name, "read"))


SUMMARY_FIELDS = (
	"name",
	"status",
	"docstatus",
	"probability",
	"sales_order",
	"grand_total",
	"currency",
	"sales_order_status",
	"nothing_to_ship",
)


def _summary(order) -> dict:
	return {
		**{field: order.get(field) for field in SUMMARY_FIELDS},
		"manual_targets": pipeline.manual_targets(order.status, bool(order.nothing_to_ship))
		if order.docstatus < 2
		else [],
	}


@frappe.whitelist()
def changeable(names: str | list | None = None) -> list[str]:
	"""Of the Customer Orders named, those the caller may change (the board lets only them be dragged).
	Read-only: answers only names the caller may change, so it reveals nothing about the others."""
	if isinstance(names, str):
		try:
			names = frappe.parse_json(names)
		except ValueError:
			names = None
	if not isinstance(names, list):
		frappe.throw(_("Send the orders as a list of names."), title=_("Invalid Input"))
	return permissions.changeable(names)
