"""The doors ERPNext opens on a Sales Order, closed where the Sales Order carries a Customer Order (R15).

A Sales Order made by confirming an order is changed — cancelled, its lines updated (*Update Items*), a
field written after submit, closed or re-opened, held or resumed, deleted — only by those who may change
the order (`permissions.assert_may_change_sales_order`: the order's stored manager or deputy, an Order
Manager). Judged in the Sales Order's own events, so every route meets it (`frappe.client.*`,
`/api/resource`, `savedocs`, ERPNext's `update_child_qty_rate`, the list's bulk actions) and a share gives
no way around it; ERPNext's `update_status` and `close_or_unclose_sales_orders`, which change the status
with `db_set` and no event the app could judge, are wrapped (`override_whitelisted_methods`). What ERPNext
writes to the Sales Order while doing something permitted (a Delivery Note's or an invoice's `per_*`, a
payment's `advance_paid`) goes through none of these and keeps working. A Sales Order that carries no
order is left exactly as ERPNext handles it.
"""

import json

import frappe
from erpnext.accounts.doctype.payment_request import payment_request as erpnext_payment_request
from erpnext.selling.doctype.sales_order import sales_order as erpnext_sales_order
from frappe import _
from frappe.utils import escape_html

from order_mgmt import permissions
from order_mgmt.figures import intake, promise
from order_mgmt.portal import orders as portal_orders
from order_mgmt.rules import pipeline
from order_mgmt.services import selling, stock_guard

#: what ERPNext's status buttons do, as the refusal names it
_STATUS_ACTIONS = {"Closed": "close", "On Hold": "hold", "Draft": "re-open or resume"}


def before_cancel(doc, method=None):
	if doc.flags.get("cancelling_customer_order") or doc.flags.ignore_permissions:
		return  # the order's own cancel: its right was checked there
	permissions.assert_may_change_sales_order(doc.name, _("cancel"))


def before_update_after_submit(doc, method=None):
	"""A write after submit (Update Items ends in one) by someone who may not change the order."""
	if doc.flags.ignore_permissions:
		return
	permissions.assert_may_change_sales_order(doc.name, _("change"))


def on_trash(doc, method=None):
	if doc.flags.ignore_permissions:
		return
	permissions.assert_may_change_sales_order(doc.name, _("delete"))


#: the documents ERPNext reserves stock for a Sales Order from, and their rows that name the order's line
_FROM_VOUCHER_ROWS = {"Pick List": "Pick List Item", "Purchase Receipt": "Purchase Receipt Item"}


def _made_by_its_voucher(sre) -> bool:
	"""Is this reservation entry what ERPNext makes from a Pick List or a Purchase Receipt for the Sales
	Order's line (the row it names is that document's and is for that very line, and the document is
	submitted or being cancelled)? A `from_voucher_type` a client sends proves nothing by itself."""
	child = _FROM_VOUCHER_ROWS.get(sre.get("from_voucher_type"))
	if not child or not sre.get("from_voucher_no") or not sre.get("from_voucher_detail_no"):
		return False
	row = frappe.db.get_value(
		child,
		{
			"name": sre.from_voucher_detail_no,
			"parent": sre.from_voucher_no,
			"parenttype": sre.from_voucher_type,
		},
		"sales_order_item",
	)
	return (
		bool(row)
		and row == sre.voucher_detail_no
		and frappe.db.get_value(sre.from_voucher_type, sre.from_voucher_no, "docstatus") in (1, 2)
	)


def reservation_made_directly(doc, method=None):
	"""Stock Reservation Entry before submit / cancel / write after submit: reserving, releasing or changing
	stock reserved for an order's Sales Order by hand (the Sales Order's *Reserve* / *Unreserve*, an entry
	posted, cancelled or edited on its own) is a change of the order. Entries ERPNext makes or cancels as the
	consequence of a Pick List or a Purchase Receipt, and those of a Sales Order's submit, cancel and Update
	Items (whose user was judged there), go on as ERPNext makes them."""
	if doc.voucher_type != "Sales Order" or doc.flags.ignore_permissions:
		return
	if method != "before_update_after_submit" and _made_by_its_voucher(doc):
		return
	action = {
		"before_submit": _("reserve stock for"),
		"before_cancel": _("release the stock reserved for"),
	}.get(method, _("change the stock reserved for"))
	permissions.assert_may_change_sales_order(doc.voucher_no, action)


@frappe.whitelist()
def update_status(status, name):
	"""ERPNext's close / hold / re-open / resume of one Sales Order (it checks no permission)."""
	permissions.assert_may_change_sales_order(name, _(_STATUS_ACTIONS.get(status, "change")))
	return erpnext_sales_order.update_status(status, name)


@frappe.whitelist()
def close_or_unclose_sales_orders(names, status):
	"""The list's bulk close / re-open: refused as a whole when one of the Sales Orders carries an order
	the user may not change."""
	parsed = json.loads(names) if isinstance(names, str) else names
	if not isinstance(parsed, list):
		frappe.throw(_("Send the Sales Orders as a list of names."), title=_("Invalid Input"))
	# one query for all of them
	permissions.assert_may_change_sales_order(
		[str(n) for n in parsed], _(_STATUS_ACTIONS.get(status, "change"))
	)
	return erpnext_sales_order.close_or_unclose_sales_orders(names, status)


@frappe.whitelist(allow_guest=True)
def make_payment_request(**args):
	"""ERPNext's Payment Request maker (open to guests, for its shop's payment links). Against a Sales Order
	that carries an order it is asked only by somebody who may read that Sales Order in the desk, or by a
	portal user of the order's customer; loyalty points (written to the Sales Order) only by those who may
	change the order. Every other document goes to ERPNext as it is."""
	if args.get("dt") == "Sales Order" and permissions.order_of_sales_order(args.get("dn")):
		name = str(args.get("dn"))
		desk = frappe.session.user != "Guest" and frappe.has_permission("Sales Order", "read", doc=name)
		customer = frappe.db.get_value("Sales Order", name, "customer")
		if not desk and customer not in portal_orders.customers_of_user():
			frappe.throw(
				_("Sales Order {0} not found.").format(frappe.bold(escape_html(name))),
				frappe.DoesNotExistError,
				title=_("Not Found"),
			)
		if args.get("loyalty_points"):
			permissions.assert_may_change_sales_order(name, _("change"))
	return erpnext_payment_request.make_payment_request(**args)


# --- the order follows its Sales Order -------------------------------------------------------------------


def validate(doc, method=None):
	selling.guard_sales_order_link(doc)
	order = doc.flags.pop("lock_bins_for_order", None)
	if order is not None:
		# confirming an order on a transaction that reads what is committed (`api.customer_order.confirm`):
		# the Bins of its items are locked now that ERPNext has validated and priced the Sales Order, just
		# before its submit rewrites them from a read that is then current; the confirmation's check of the
		# promises meets what the confirmation meets
		stock_guard.lock_bins(
			stock_guard.stock_pairs((d.item_code, d.warehouse or doc.set_warehouse) for d in doc.items)
		)
		if order.flags.priced_by_its_sales_order:
			# an order sent confirmed takes the Sales Order's figures (its stock quantities among them)
			selling.apply_prices(order, doc)
		promise.warn_late_lines(order, confirming=True)


def on_change(doc, method=None):
	"""Every status update of ERPNext (per_delivered, per_billed, advance_paid, close, hold)."""
	if doc.get("customer_order") and doc.docstatus == 1:
		intake.mark_sales_orders([doc.name], cause=doc)


def on_submit(doc, method=None):
	"""ERPNext rewrote the whole Bins of its items from a plain read (its Reserved Stock may be an old
	snapshot's): each is re-summed from its reservation entries under the lock."""
	_stock_written(doc)


def _stock_written(doc):
	intake.mark_bins((d.item_code, d.warehouse) for d in doc.items if d.warehouse)
	intake.mark_items(d.item_code for d in doc.items)


def on_cancel(doc, method=None):
	"""The Bins (as on submit); and a Sales Order cancelled directly in ERPNext cancels its Customer Order
	(R1: cancelling reverses), unless the order's own cancel is doing it (the flag the order's cancel sets
	on the Sales Order it cancels: the one way to tell the two apart in this event)."""
	_stock_written(doc)
	name = doc.get("customer_order")
	if not name or doc.flags.get("cancelling_customer_order"):
		return
	order = frappe.get_doc("Customer Order", name)
	if order.docstatus != 1 or order.sales_order != doc.name:
		return
	verdict = pipeline.check_transition(order.status, pipeline.CANCELED, pipeline.Action.CANCEL)
	if not verdict.allowed:
		frappe.throw(
			_(
				"Sales Order {0} cannot be cancelled: its Customer Order {1} is {2}, and a {2} order cannot be canceled."
			).format(doc.name, name, _(order.status)),
			title=_("Cannot Cancel"),
		)
	# the user cancelled the Sales Order; the order is its consequence
	order.flags.ignore_permissions = True
	order.add_comment("Info", _("Canceled with its Sales Order {0}, cancelled in ERPNext.").format(doc.name))
	order.cancel()


def on_update_after_submit(doc, method=None):
	"""Update Items: the order's lines follow, then its statuses."""
	_stock_written(doc)
	if doc.get("customer_order") and doc.docstatus == 1:
		selling.sync_from_sales_order(doc)
		intake.mark_sales_orders([doc.name], cause=doc)
