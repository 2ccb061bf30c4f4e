// List view of Customer Orders: one indicator colour per pipeline status (R11).
frappe.listview_settings["Customer Order"] = {
	add_fields: ["status", "docstatus", "product_status", "payment_status", "grand_total", "currency"],
	has_indicator_for_draft: true,
	has_indicator_for_cancelled: true,

	get_indicator(doc) {
		const colours = {
			Quotation: "gray",
			"Waiting for Confirmation": "yellow",
			Confirmed: "blue",
			"Waiting for Production": "orange",
			"In Production": "purple",
			"Ready for Shipment": "cyan",
			Shipped: "light-blue",
			Delivered: "green",
			Canceled: "red",
			Archived: "darkgrey",
		};
		const status = doc.status || (doc.docstatus === 2 ? "Canceled" : "Quotation");
		return [__(status), colours[status] || "gray", "status,=," + status];
	},
};
