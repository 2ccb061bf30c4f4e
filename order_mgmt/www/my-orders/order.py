"""/my-orders/<name>: one of the customer's orders (R17); any other name answers 404."""

import frappe
from frappe import _

from order_mgmt.portal import orders as portal_orders
from order_mgmt.rules.portal import STEPS

no_cache = 1


def get_context(context):
	if frappe.session.user == "Guest":
		frappe.throw(_("You need to be logged in to see your orders."), frappe.PermissionError)
	context.no_cache = 1
	context.show_sidebar = True
	context.order = portal_orders.order_page(frappe.form_dict.name, portal_orders.customers_of_user())
	context.steps = STEPS
	context.title = _("Order {0}").format(context.order.name)
	context.parents = [{"route": "my-orders", "title": _("My Orders")}]
	return context
