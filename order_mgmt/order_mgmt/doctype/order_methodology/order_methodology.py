from frappe.model.document import Document

from order_mgmt.services.validation import RowsFromClients


class OrderMethodology(RowsFromClients, Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from order_mgmt.order_mgmt.doctype.order_methodology_part.order_methodology_part import (
			OrderMethodologyPart,
		)
		from order_mgmt.order_mgmt.doctype.order_methodology_step.order_methodology_step import (
			OrderMethodologyStep,
		)

		description: DF.SmallText | None
		disabled: DF.Check
		methodology_name: DF.Data
		parts: DF.Table[OrderMethodologyPart]
		steps: DF.Table[OrderMethodologyStep]
	# end: auto-generated types

	def validate(self):
		from order_mgmt.services.planning import validate_methodology

		validate_methodology(self)
