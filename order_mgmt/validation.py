"""Input from clients that Frappe would otherwise answer with a server error."""

import frappe
from frappe import _
from frappe.model.base_document import BaseDocument


class RowsFromClients:
	"""Mixin for the app's documents: a table set to anything but a list of rows (objects) is refused
	with a message (HTTP 417) instead of failing deep inside Frappe (HTTP 500)."""

	def set(self, key, value, as_value=False):
		if not as_value and value and key in getattr(self, "_table_fieldnames", ()):
			assert_rows(self, key, value)
		return super().set(key, value, as_value=as_value)


def assert_rows(doc, table: str, value) -> None:
	"""`value` for the table field `table` of `doc` must be a list of rows (dicts or documents)."""
	if isinstance(value, list | tuple) and all(isinstance(row, dict | BaseDocument) for row in value):
		return
	frappe.throw(
		_("{0} of {1} must be a list of rows, each an object of field values.").format(
			_(doc.meta.get_label(table)), _(doc.doctype)
		),
		title=_("Invalid Input"),
	)
