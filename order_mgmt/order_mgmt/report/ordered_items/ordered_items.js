// Ordered Items: Every line of the orders with its product status and sources.
frappe.query_reports["Ordered Items"] = {
	filters: [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			default: frappe.defaults.get_user_default("Company"),
		},
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			default: frappe.datetime.add_months(frappe.datetime.get_today(), -1),
		},
		{
			fieldname: "to_date",
			label: __("To Date"),
			fieldtype: "Date",
			default: frappe.datetime.get_today(),
		},
		{
			fieldname: "customer",
			label: __("Customer"),
			fieldtype: "Link",
			options: "Customer",
		},
		{
			fieldname: "status",
			label: __("Status"),
			fieldtype: "Select",
			options: ["", "Quotation", "Waiting for Confirmation", "Confirmed", "Waiting for Production", "In Production", "Ready for Shipment", "Shipped", "Delivered", "Canceled", "Archived"].join("\n"),
		},
		{
			fieldname: "item_code",
			label: __("Item"),
			fieldtype: "Link",
			options: "Item",
		},
		{
			fieldname: "product_status",
			label: __("Product Status"),
			fieldtype: "Select",
			options: ["", "Not booked", "Not enough", "Requested", "Expected on time", "Possibly delayed", "Delayed", "Ready for shipment", "Delivered"].join("\n"),
		},
	],
};
