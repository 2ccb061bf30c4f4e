from frappe.model.document import Document


class OrderMethodologyPart(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		description: DF.SmallText | None
		optional: DF.Check
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		part_name: DF.Data
	# end: auto-generated types

	pass
