"""`frappe.client.get_count` for the doctypes whose lists the app narrows (issue 23).

Frappe v15's `frappe.client.get_count` counts with `frappe.db.count`, which asks no permission: any user learns
how many tasks (or orders) match any filter, although their list shows fewer. For the app's doctypes and for
Task (whose list `order_mgmt.permissions.task_query_conditions` narrows) the count is Frappe's own list query
of the user (roles, user permissions, query conditions, shares); every other doctype keeps Frappe's count."""

import frappe
from frappe.client import get_count as frappe_get_count
from frappe.utils import get_safe_filters

from order_mgmt import compat

#: doctypes counted as the user's list shows them
COUNTED_AS_LISTED = frozenset(
	{"Customer Order", "Order Information", "Order Agreement", "Order Meeting", "Task"}
)
#: rows of those documents (counted with their parent's read right, never by anyone: a count with a filter
#: on a price or a subject tells what the list would not show)
ROW_PARENTS = {
	"Customer Order Item": "Customer Order",
	"Order Meeting Attendee": "Order Meeting",
	"Order Meeting Contact": "Order Meeting",
	"Order Information File": "Order Information",
	"Task Depends On": "Task",
}


@frappe.whitelist()
def get_count(doctype, filters=None, debug=False, cache=False):
	if doctype not in COUNTED_AS_LISTED and doctype not in ROW_PARENTS:
		return frappe_get_count(doctype, filters, debug, cache)
	filters = get_safe_filters(filters)
	if isinstance(filters, str):
		filters = {"name": filters}
	return compat.list_count(doctype, filters=filters, parent_doctype=ROW_PARENTS.get(doctype))
