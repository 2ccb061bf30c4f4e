from frappe.model.document import Document

from order_mgmt.services.validation import RowsFromClients


class CustomerOrderItem(RowsFromClients, Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		amount: DF.Currency
		conversion_factor: DF.Float
		delivered_qty: DF.Float
		delivery_date: DF.Date | None
		discount_amount: DF.Currency
		discount_percentage: DF.Percent
		expected_date: DF.Date | None
		item_code: DF.Link
		is_free_item: DF.Check
		item_name: DF.Data | None
		net_amount: DF.Currency
		net_rate: DF.Currency
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		price_list_rate: DF.Currency
		pricing_rules: DF.SmallText | None
		product_status: DF.Literal[
			"",
			"Not booked",
			"Not enough",
			"Requested",
			"Expected on time",
			"Possibly delayed",
			"Delayed",
			"Ready for shipment",
			"Delivered",
		]
		qty: DF.Float
		rate: DF.Currency
		reserved_qty: DF.Float
		so_detail: DF.Data | None
		sources: DF.SmallText | None
		stock_qty: DF.Float
		stock_uom: DF.Link | None
		uom: DF.Link | None
		warehouse: DF.Link | None
	# end: auto-generated types

	pass
