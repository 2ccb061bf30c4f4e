"""The Customer Order's profitability on demand (R10): the form's *Refresh profitability* button.

`POST /api/method/order_mgmt.api.profit.refresh_profitability` (the former `order_mgmt.costing.…` path stays
valid).
"""

import frappe

from order_mgmt.figures.profit import FIELDS, update_profitability
from order_mgmt.permissions import get_order
from order_mgmt.services.transactions import one_action


@frappe.whitelist(methods=["POST"])
@one_action
def refresh_profitability(name: str | None = None) -> dict:
	"""Recompute one order's profitability (the form's "Refresh profitability" button)."""
	get_order(name, "write")
	update_profitability([name])
	return frappe.db.get_value("Customer Order", name, list(FIELDS), as_dict=True)
