"""/my-orders: the confirmed orders of the customers whose portal user is the session user (R17)."""

import frappe
from frappe import _

from order_mgmt import portal

no_cache = 1


def get_context(context):
	if frappe.session.user == "Guest":
		frappe.throw(_("You need to be logged in to see your orders."), frappe.PermissionError)
	context.no_cache = 1
	context.show_sidebar = True
	context.title = _("My Orders")
	context.orders = portal.list_orders(portal.customers_of_user())
	return context
