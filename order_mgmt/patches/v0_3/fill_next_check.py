import frappe
from frappe.utils import nowdate

from order_mgmt.figures import engine, runs


def execute():
	"""Orders confirmed before the incremental nightly run: their next-check date (when a date alone next
	changes one of their statuses), so that the incremental run finds them when it comes. Each open order
	is recomputed once through the one recompute path (which also brings any stale status up to date, as a
	nightly run would), in batches committed one by one."""
	names = runs.open_order_names()
	for start in range(0, len(names), 500):
		engine.recompute(names[start : start + 500], today=nowdate(), events=False)
		frappe.db.commit()
