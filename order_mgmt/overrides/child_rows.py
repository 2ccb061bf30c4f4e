"""Every document's child rows stay with their parent (R15), hooked on every doctype ("*" in hooks.py).

- A document saved, submitted, written after submit or cancelled with a row named like another document's
  row would move that row (Frappe writes rows by name; `savedocs` sends the whole document with a cancel
  too): refused (`validation.assert_own_rows`, one query per child table that has named rows; the app's
  own documents check it themselves, `RowsFromClients`).
- A row inserted, saved, submitted, cancelled or deleted on its own (`/api/resource/<child doctype>`,
  `frappe.client.*`: no parent controller runs, and Frappe asks for the right on the parent the request
  *names*) never changes its parent, and is judged by the parent it is *stored* with: rows of the app's
  documents, of an order's tasks and of an order's tax lines only through their parent; rows of a Sales
  Order that carries an order only by those who may change the order (ERPNext's *Update Items* writes its
  rows this way, for them).
"""

import frappe
from frappe import _
from frappe.utils import escape_html

from order_mgmt import permissions
from order_mgmt.services import validation


def rows_stay_with_their_parent(doc, method=None):
	if doc.meta.istable:
		_row_on_its_own(doc, method)
	elif method != "before_insert" and method != "on_trash":
		if not isinstance(doc, validation.RowsFromClients):
			validation.assert_own_rows(doc, adopt_unknown=False)


def _row_on_its_own(doc, method):
	if doc.flags.ignore_permissions:
		return
	where = (doc.get("parent"), doc.get("parenttype"), doc.get("parentfield"))
	if not doc.is_new() and method != "on_trash":
		stored = frappe.db.get_value(doc.doctype, doc.name, ["parent", "parenttype", "parentfield"])
		if stored and tuple(stored) != where:
			frappe.throw(
				_("A row of {0} stays with its document ({1} {2}): add a new row where you need one.").format(
					_(doc.doctype), _(stored[1] or ""), frappe.bold(escape_html(stored[0] or ""))
				),
				frappe.PermissionError,
				title=_("Not Allowed"),
			)
	parent, parenttype, _parentfield = where
	if not parent or not parenttype:
		return
	permissions.refuse_standalone_row(doc.doctype, parent, parenttype)
	if parenttype == "Sales Order":
		permissions.assert_may_change_sales_order(parent, _("change"))
