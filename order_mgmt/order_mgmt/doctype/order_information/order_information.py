from frappe.model.document import Document


class OrderInformation(Document):
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

	pass
