"""/my-orders: the confirmed orders of the customers whose portal user is the session user (R17)."""

import frappe
from frappe import _

from order_mgmt.portal import orders as portal_orders

no_cache = 1


def get_context(context):
	if frappe.session.user == "Guest":
		frappe.throw(_("You need to be logged in to see your orders."), frappe.PermissionError)
	context.no_cache = 1
	context.show_sidebar = True
	context.title = _("My Orders")
	page = (
		frappe.utils.cint(frappe.form_dict.get("page"))
		if isinstance(frappe.form_dict.get("page"), str)
		else 1
	)
	page = min(max(page, 1), 100_000)
	rows = portal_orders.list_orders(portal_orders.customers_of_user(), page)
	context.orders = rows[: portal_orders.PAGE_LENGTH]
	context.page = page
	context.next_page = page + 1 if len(rows) > portal_orders.PAGE_LENGTH else None
	context.previous_page = page - 1 if page > 1 else None
	return context
