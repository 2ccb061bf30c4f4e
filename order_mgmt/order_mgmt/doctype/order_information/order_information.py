import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import escape_html

from order_mgmt import permissions
from order_mgmt.rules.content import is_safe_file_url
from order_mgmt.services.validation import RowsFromClients


class OrderInformation(RowsFromClients, Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from order_mgmt.order_mgmt.doctype.order_information_file.order_information_file import (
			OrderInformationFile,
		)

		customer: DF.Link | None
		customer_order: DF.Link
		files: DF.Table[OrderInformationFile]
		information: DF.TextEditor | None
		naming_series: DF.Literal["OM-INF-.YYYY.-"]
		title: DF.Data
	# end: auto-generated types

	def validate(self):
		for row in self.files:
			if not is_safe_file_url(row.file):
				frappe.throw(
					_("Row {0}: {1} is not a file of this site or an http(s) address.").format(
						row.idx, frappe.bold(escape_html(row.file or ""))
					),
					title=_("Invalid File Link"),
				)
		# only the order's planners link a record to it (R15)
		permissions.validate_record(self)
