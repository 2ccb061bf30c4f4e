"""Task (R8, R9, R15): who may plan an order's tasks (`permissions.validate_task`), and the time a task takes
along when it moves to another order."""

from frappe.utils import flt

from order_mgmt import permissions
from order_mgmt.figures import intake


def validate(doc, method=None):
	permissions.validate_task(doc)


def on_update(doc, method=None):
	"""A task moved to another order takes its booked time along: both orders' hours, time cost and
	profitability."""
	before = doc.get_doc_before_save()
	old = before.get("customer_order") if before else None
	if old != doc.get("customer_order") and flt(doc.actual_time):
		intake.mark_costs([old, doc.get("customer_order")], cause=doc)
