"""Every document's child rows stay with their parent (R15): hooked on every doctype ("*" in hooks.py)
before Frappe writes the rows of a save, a submit, a write after submit or a cancel (`savedocs` sends the
whole document with a cancel too). One query per child table that has named rows
(`validation.assert_own_rows`); the app's own documents check it themselves (`RowsFromClients`)."""

from frappe import _

from order_mgmt import permissions, validation


def refuse_foreign_rows(doc, method=None):
	if isinstance(doc, validation.RowsFromClients):
		return
	validation.assert_own_rows(doc, adopt_unknown=False)


def guard_rows_of_an_orders_sales_order(doc, method=None):
	"""A row inserted, saved or deleted on its own (`/api/resource/<child doctype>`, `frappe.client.*`:
	no parent controller runs) in a Sales Order that carries a Customer Order changes that order's Sales
	Order: only those who may change the order (ERPNext's *Update Items* writes rows this way, for them)."""
	if not doc.meta.istable or doc.get("parenttype") != "Sales Order" or not doc.get("parent"):
		return
	if doc.flags.ignore_permissions:
		return
	permissions.assert_may_change_sales_order(doc.parent, _("change"))
