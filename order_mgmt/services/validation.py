"""Input from clients that Frappe would otherwise store unchecked or answer with a server error (R14)."""

import datetime
from decimal import Decimal

import frappe
from frappe import _
from frappe.model.base_document import BaseDocument
from frappe.utils import escape_html

from order_mgmt import compat

#: the largest magnitude a number field may hold (MariaDB's decimal(21,9) stops at 10^12)
MAX_NUMBER = 1e12
NUMBER_TYPES = frozenset({"Float", "Currency", "Percent", "Int"})
DATE_TYPES = frozenset({"Date", "Datetime", "Time"})
SCALARS = (str, int, float, Decimal, datetime.date, datetime.datetime, datetime.time, datetime.timedelta)


def _invalid(message: str):
	frappe.throw(message, title=_("Invalid Input"))


class RowsFromClients:
	"""Mixin for the app's documents and rows: a table set to anything but a list of rows, a field set to
	a list or an object, a date that is not text, or a number out of range is refused with a message
	(HTTP 417) instead of failing deep inside Frappe (HTTP 500) or being stored; and a row of another
	document is never taken over (`assert_own_rows`)."""

	def set(self, key, value, as_value=False):
		if not as_value:
			self._assert_value(key, value)
		return super().set(key, value, as_value=as_value)

	if compat.DOCUMENT_UPDATE_SKIPS_SET:

		def update(self, d):
			for key, value in d.items():
				self._assert_value(key, value)
			return super().update(d)

	def _assert_value(self, key, value):
		if value is not None and not key.startswith("_"):
			if key in getattr(self, "_table_fieldnames", ()):
				assert_rows(self, key, value)
			else:
				assert_scalar(self, key, value)

	def run_before_save_methods(self):
		# before the hooks' check of every document (order_mgmt.overrides.child_rows): rows stored nowhere
		# are made new rows here, where Frappe would drop them
		assert_own_rows(self)
		return super().run_before_save_methods()


def assert_rows(doc, table: str, value) -> None:
	"""`value` for the table field `table` of `doc` must be a list of rows (dicts or documents)."""
	if isinstance(value, list | tuple) and all(isinstance(row, dict | BaseDocument) for row in value):
		return
	if not value:
		return
	_invalid(
		_("{0} of {1} must be a list of rows, each an object of field values.").format(
			_(doc.meta.get_label(table)), _(doc.doctype)
		)
	)


def assert_scalar(doc, key: str, value) -> None:
	if key in ("flags", "doctype"):
		return
	df = doc.meta.get_field(key) if getattr(doc, "meta", None) else None
	if not df:
		return
	label = _(df.label or key)
	if isinstance(value, bool):
		value = int(value)
	if not isinstance(value, SCALARS):
		_invalid(_("{0}: a single value is expected, not a list or an object.").format(label))
	if df.fieldtype in DATE_TYPES and not isinstance(
		value, str | datetime.date | datetime.time | datetime.timedelta
	):
		_invalid(_("{0}: a date is expected, e.g. 2030-01-31.").format(label))
	if df.fieldtype in NUMBER_TYPES:
		try:
			number = float(value) if value != "" else 0.0
		except ValueError:
			return  # Frappe casts what is not a number to 0, as for every doctype
		if not abs(number) < MAX_NUMBER:  # also NaN
			_invalid(_("{0}: {1} is out of range.").format(label, escape_html(str(value))))


def assert_own_rows(doc, adopt_unknown: bool = True) -> None:
	"""Frappe writes child rows by name (`UPDATE … WHERE name=`): a row sent with the name of another
	document's row — another order's line, a confirmed order's tax row saved into a Quotation — would be
	moved to this document. Refused, for every document and child table (R15: a row never changes its
	parent). One query per child table that has named rows; a new document is not checked (its rows get
	new names on insert). A name stored nowhere is made a new row when `adopt_unknown` (the app's documents;
	Frappe would drop such a row without a word)."""
	if doc.is_new():
		return
	for df in doc.meta.get_table_fields():
		rows = [r for r in doc.get(df.fieldname) or () if r.name and not r.get("__islocal")]
		if not rows:
			continue
		owners = {
			r.name: (r.parent, r.parenttype, r.parentfield)
			for r in frappe.get_all(
				df.options,
				filters={"name": ("in", [r.name for r in rows])},
				fields=["name", "parent", "parenttype", "parentfield"],
				ignore_permissions=True,
			)
		}
		here = (doc.name, doc.doctype, df.fieldname)
		for row in rows:
			owner = owners.get(row.name)
			if owner is None:
				if adopt_unknown:
					row.set("__islocal", 1)
			elif owner != here:
				_invalid(
					_("Row {0} of {1} belongs to another document: add it as a new row.").format(
						row.idx, _(doc.meta.get_label(df.fieldname))
					)
				)
