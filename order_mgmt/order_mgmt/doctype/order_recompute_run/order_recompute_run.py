from frappe.model.document import Document


class OrderRecomputeRun(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from order_mgmt.order_mgmt.doctype.order_recompute_batch.order_recompute_batch import (
			OrderRecomputeBatch,
		)

		batch_size: DF.Int
		batches: DF.Table[OrderRecomputeBatch]
		changed: DF.Int
		duration: DF.Float
		finished: DF.Datetime | None
		kind: DF.Literal["Incremental", "Full"]
		lines: DF.Int
		lines_changed: DF.Int
		orders: DF.Int
		run_date: DF.Date | None
		since: DF.Datetime | None
		started: DF.Datetime | None
		status: DF.Literal["Running", "Finished", "Stopped"]
	# end: auto-generated types

	pass
