from frappe.model.document import Document


class OrderStatusProbability(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		probability: DF.Percent
		status: DF.Literal[
			"Quotation",
			"Waiting for Confirmation",
			"Confirmed",
			"Waiting for Production",
			"In Production",
			"Ready for Shipment",
			"Shipped",
			"Delivered",
			"Canceled",
			"Archived",
		]
	# end: auto-generated types

	pass
