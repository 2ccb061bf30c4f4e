from frappe.model.document import Document

from order_mgmt import permissions


class OrderAgreement(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		agreement_date: DF.Date
		customer: DF.Link | None
		customer_order: DF.Link
		kind: DF.Literal["Agreement", "Decision"]
		naming_series: DF.Literal["OM-AGR-.YYYY.-"]
		parties: DF.SmallText | None
		text: DF.TextEditor | None
		title: DF.Data
	# end: auto-generated types

	def validate(self):
		# only the order's planners link a record to it (R15)
		permissions.validate_record(self)
