from frappe.model.document import Document


class OrderRecomputeBatch(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		batch_no: DF.Int
		changed: DF.Int
		finished: DF.Datetime | None
		lines: DF.Int
		lines_changed: DF.Int
		order_count: DF.Int
		order_names: DF.LongText | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		status: DF.Literal["Queued", "Done"]
	# end: auto-generated types

	pass
