from frappe.model.document import Document


class OrderMethodologyStep(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		assignee: DF.Link | None
		depends_on: DF.Data | None
		description: DF.TextEditor | None
		duration_days: DF.Int
		offset_days: DF.Int
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		part: DF.Autocomplete | None
		role: DF.Literal["", "Order Manager", "Deputy"]
		step_id: DF.Data
		subject: DF.Data
	# end: auto-generated types

	pass
