"""/my-orders/<name>: one of the customer's orders (R17); any other name answers 404."""

import frappe
from frappe import _

from order_mgmt import portal
from order_mgmt.rules.portal import STEPS

no_cache = 1


def get_context(context):
	if frappe.session.user == "Guest":
		frappe.throw(_("You need to be logged in to see your orders."), frappe.PermissionError)
	context.no_cache = 1
	context.show_sidebar = True
	context.order = portal.order_page(frappe.form_dict.name, portal.customers_of_user())
	context.steps = STEPS
	context.title = _("Order {0}").format(context.order.name)
	context.parents = [{"route": "my-orders", "title": _("My Orders")}]
	return context
