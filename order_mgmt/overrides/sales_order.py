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
from erpnext.selling.doctype.sales_order import sales_order as erpnext_sales_order
from frappe import _

from order_mgmt import permissions

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


def reservation_made_directly(doc, method=None):
	"""Stock Reservation Entry before submit / cancel: reserving or releasing stock for an order's Sales Order
	by hand (the Sales Order's *Reserve* / *Unreserve*, `frappe.client.cancel` of an entry) is a change of
	the order. Entries ERPNext makes or cancels as the consequence of another document — a Pick List, a
	Purchase Receipt (`from_voucher_type`) — and those of a Sales Order's submit, cancel and Update Items
	(whose user was judged there) go on as ERPNext makes them."""
	if doc.voucher_type != "Sales Order" or doc.get("from_voucher_type") or doc.flags.ignore_permissions:
		return
	action = _("reserve stock for") if method == "before_submit" else _("release the stock reserved for")
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
	for name in parsed:
		permissions.assert_may_change_sales_order(name, _(_STATUS_ACTIONS.get(status, "change")))
	return erpnext_sales_order.close_or_unclose_sales_orders(names, status)
