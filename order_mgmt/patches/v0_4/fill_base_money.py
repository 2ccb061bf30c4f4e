import frappe
from frappe.utils import nowdate

from order_mgmt.figures import engine


def execute():
	"""Orders confirmed before the money figures were also stored in the company currency (the Order
	Invoicing and Payments report reads them): each submitted order without them is recomputed once through
	the one recompute path, in batches committed one by one."""
	names = frappe.get_all(
		"Customer Order",
		filters={"docstatus": 1, "base_order_total": 0},
		pluck="name",
		order_by="name asc",
	)
	for start in range(0, len(names), 500):
		engine.recompute(names[start : start + 500], today=nowdate(), events=False)
		frappe.db.commit()
